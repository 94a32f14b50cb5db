# The MTP simulator as a real USB device (simulate --gadget on dummy_hcd), then real clients:
# libmtp's mtp-detect, mtp-files and mtp-getfile, and Lifeboat through npm `usb`.
# Needs IMAGE, USB_ID (VID:PID) and PHOTO (a photo's file name in the image).
set -u
lab_start_mtp_gadget "$IMAGE" "$USB_ID" || exit 10
lsusb -v -d "$USB_ID" > "$LAB/lsusb.txt" 2>&1
cat /sys/bus/usb/devices/*/bConfigurationValue > "$LAB/configuration.txt" 2>&1

t=$(lab_ms)
timeout 90 mtp-detect > "$LAB/mtp-detect.txt" 2>&1
echo $? > "$LAB/mtp-detect.rc"
lab_timing mtp-detect "$t"
t=$(lab_ms)
timeout 90 mtp-files > "$LAB/mtp-files.txt" 2>&1
echo $? > "$LAB/mtp-files.rc"
lab_timing mtp-files "$t"
# The photo's object id, from the listing ("File ID: N" comes before its "Filename: NAME").
FILE_ID=$(awk -v want="$PHOTO" '/File ID:/ { id = $3 } /Filename:/ { sub(/^[ \t]*Filename: /, ""); if ($0 == want) { print id; exit } }' "$LAB/mtp-files.txt")
if [ -n "$FILE_ID" ]; then
  t=$(lab_ms)
  timeout 90 mtp-getfile "$FILE_ID" "$LAB/getfile.jpg" > "$LAB/mtp-getfile.txt" 2>&1
  echo $? > "$LAB/mtp-getfile.rc"
  lab_timing mtp-getfile "$t"
else
  echo "mtp-files did not list $PHOTO"
fi

t=$(lab_ms)
lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
lab_timing lifeboat-devices "$t"
ID=$(lab_device_id mtp < "$LAB/devices.json") || { echo "lifeboat devices listed no MTP phone"; cat "$LAB/devices.json" "$LAB/devices.err"; exit 12; }

t=$(lab_ms)
lab_lifeboat 180 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/rescue.jsonl" 2> "$LAB/rescue.err"
echo $? > "$LAB/rescue.rc"
lab_timing lifeboat-rescue "$t"
find /tmp/vault/blobs -type f -printf '%f\n' | sort > "$LAB/vault-blobs.txt"
lab_lifeboat 120 verify /tmp/vault > "$LAB/verify.txt" 2>&1
echo $? > "$LAB/verify.rc"
lab_stop_gadget
dmesg > "$LAB/dmesg.txt"
