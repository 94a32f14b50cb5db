# The ADB simulator as a real USB device (simulate --gadget on dummy_hcd), then real clients:
# Debian's adb, and Lifeboat through npm `usb`. Needs IMAGE and USB_ID (VID:PID).
set -u
lab_start_adb_gadget "$IMAGE" "$USB_ID" || exit 10

t=$(lab_ms)
adb start-server > /dev/null 2>&1
timeout 60 adb wait-for-usb-device || { echo "adb never saw the device"; exit 11; }
adb devices -l > "$LAB/adb-devices.txt"
lab_timing adb-devices "$t"

t=$(lab_ms)
timeout 60 adb shell content query --uri content://com.android.contacts/data > "$LAB/content-query.txt"
echo "content query exit $?"
lab_timing adb-content-query "$t"

t=$(lab_ms)
timeout 120 adb pull /sdcard/DCIM "$LAB/pulled" > "$LAB/adb-pull.txt" 2>&1
echo "adb pull exit $?"
lab_timing adb-pull "$t"

# The adb server holds the interface while it runs: Lifeboat would be told to kill it.
adb kill-server

t=$(lab_ms)
lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
lab_timing lifeboat-devices "$t"
ID=$(lab_device_id adb < "$LAB/devices.json") || { echo "lifeboat devices listed no ADB phone"; cat "$LAB/devices.err"; exit 12; }

t=$(lab_ms)
lab_lifeboat 180 rescue --device "$ID" --vault /tmp/vault --json > "$LAB/rescue.jsonl" 2> "$LAB/rescue.err"
echo $? > "$LAB/rescue.rc"
lab_timing lifeboat-rescue "$t"

# What is in the vault, for the host to compare: blob names are the SHA-256 of the bytes.
find /tmp/vault/blobs -type f -printf '%f\n' | sort > "$LAB/vault-blobs.txt"
lab_lifeboat 120 verify /tmp/vault > "$LAB/verify.txt" 2>&1
echo $? > "$LAB/verify.rc"
lab_stop_gadget
