# Unplug mid-transfer: the host pulls QEMU's usb-mtp off the bus (QMP device_del) while Lifeboat
# rescues its photos; the run must end with exit 3. The host plugs it back (device_add) and the
# same command must finish. Needs CUT_AFTER_PHOTOS.
set -u
USB_ID=46f4:0004
lab_wait_usb "$USB_ID" 30 || exit 10
lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
ID=$(lab_device_id mtp < "$LAB/devices.json") || { echo "lifeboat devices listed no MTP phone"; cat "$LAB/devices.json" "$LAB/devices.err"; exit 12; }

t=$(lab_ms)
lab_lifeboat 300 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/run1.jsonl" 2> "$LAB/run1.err" &
RESCUE=$!
lab_wait_photos "$LAB/run1.jsonl" "$CUT_AFTER_PHOTOS" $RESCUE 240 || { kill $RESCUE; wait $RESCUE; echo "rescue exit $?"; exit 13; }
lab_say unplug-mtp
lab_wait_signal unplugged 30 || exit 14
lab_timing unplugged-after "$t"
u=$(lab_ms)
wait $RESCUE
echo $? > "$LAB/run1.rc"
lab_timing run1-ended-after-unplug "$u"

lab_say replug-mtp
lab_wait_signal replugged 30 || exit 15
lab_wait_usb "$USB_ID" 30 || exit 16
lab_lifeboat 120 devices --json > "$LAB/devices2.json" 2> "$LAB/devices2.err"
t=$(lab_ms)
lab_lifeboat 300 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/run2.jsonl" 2> "$LAB/run2.err"
echo $? > "$LAB/run2.rc"
lab_timing run2 "$t"
find /tmp/vault/blobs -type f -printf '%f\n' | sort > "$LAB/vault-blobs.txt"
lab_lifeboat 120 verify /tmp/vault > "$LAB/verify.txt" 2>&1
echo $? > "$LAB/verify.rc"
