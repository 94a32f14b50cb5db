# QEMU's own MTP responder (usb-mtp, 46f4:0004) on the guest's xHCI bus: libmtp's tools see it,
# and (when WITH_LIFEBOAT=1) Lifeboat rescues its photos through npm `usb`.
set -u
USB_ID=46f4:0004
t=$(lab_ms)
lab_wait_usb "$USB_ID" 30 || exit 10
lab_timing usb-mtp-enumerated "$t"
lsusb -d "$USB_ID" > "$LAB/lsusb.txt"
t=$(lab_ms)
timeout 60 mtp-detect > "$LAB/mtp-detect.txt" 2>&1
echo "mtp-detect exit $?"
timeout 60 mtp-files > "$LAB/mtp-files.txt" 2>&1
echo "mtp-files exit $?"
lab_timing libmtp-tools "$t"
[ "$WITH_LIFEBOAT" = 1 ] || exit 0

t=$(lab_ms)
lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
lab_timing lifeboat-devices "$t"
ID=$(lab_device_id mtp < "$LAB/devices.json") || { echo "lifeboat devices listed no MTP phone"; cat "$LAB/devices.json" "$LAB/devices.err"; exit 12; }
t=$(lab_ms)
lab_lifeboat 240 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/rescue.jsonl" 2> "$LAB/rescue.err"
echo $? > "$LAB/rescue.rc"
lab_timing lifeboat-rescue "$t"
find /tmp/vault/blobs -type f -printf '%f\n' | sort > "$LAB/vault-blobs.txt"
lab_lifeboat 120 verify /tmp/vault > "$LAB/verify.txt" 2>&1
echo $? > "$LAB/verify.rc"
