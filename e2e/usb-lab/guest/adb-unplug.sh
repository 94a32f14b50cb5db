# Unplug mid-transfer: the ADB gadget's UDC is unbound (the device leaves the bus) while Lifeboat
# rescues photos over the real bus; the run must end with exit 3. Then it is plugged in again and
# the same command must finish. Needs IMAGE, USB_ID (VID:PID) and CUT_AFTER_PHOTOS.
set -u
lab_start_adb_gadget "$IMAGE" "$USB_ID" || exit 10
UDC_FILE=/sys/kernel/config/usb_gadget/lifeboat/UDC
UDC=$(cat "$UDC_FILE")

lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
ID=$(lab_device_id adb < "$LAB/devices.json") || { echo "lifeboat devices listed no ADB phone"; cat "$LAB/devices.err"; exit 12; }

t=$(lab_ms)
lab_lifeboat 300 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/run1.jsonl" 2> "$LAB/run1.err" &
RESCUE=$!
lab_wait_photos "$LAB/run1.jsonl" "$CUT_AFTER_PHOTOS" $RESCUE 240 || { kill $RESCUE; wait $RESCUE; echo "rescue exit $?"; exit 13; }
echo "" > "$UDC_FILE"      # the cable is pulled
lab_timing unplugged-after "$t"
u=$(lab_ms)
wait $RESCUE
echo $? > "$LAB/run1.rc"
lab_timing run1-ended-after-unplug "$u"
lab_wait_no_usb "$USB_ID" 10

echo "$UDC" > "$UDC_FILE"  # plugged in again
lab_wait_usb "$USB_ID" 30 || exit 14
t=$(lab_ms)
lab_lifeboat 300 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/run2.jsonl" 2> "$LAB/run2.err"
echo $? > "$LAB/run2.rc"
lab_timing run2 "$t"

find /tmp/vault/blobs -type f -printf '%f\n' | sort > "$LAB/vault-blobs.txt"
lab_lifeboat 120 verify /tmp/vault > "$LAB/verify.txt" 2>&1
echo $? > "$LAB/verify.rc"
lab_stop_gadget
