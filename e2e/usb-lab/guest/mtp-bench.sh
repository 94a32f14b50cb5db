# Benchmark on QEMU's usb-mtp (rootdir: the bench's photos): libmtp's mtp-getfile of each file
# against Lifeboat's pull (rescue --only photos), the same files, the same bus.
# Leaves getfile.ms (the loop), getfile-sums.txt, lifeboat-times.jsonl (see json-phase-times.cjs).
set -u
USB_ID=46f4:0004
lab_wait_usb "$USB_ID" 30 || exit 10
timeout 120 mtp-files > "$LAB/mtp-files.txt" 2>&1 || { echo "mtp-files failed"; exit 11; }
# "File ID: N" then "Filename: NAME": id and name per file.
awk '/File ID:/ { id = $3 } /Filename:/ { sub(/^[ \t]*Filename: /, ""); print id " " $0 }' "$LAB/mtp-files.txt" | grep -E ' (IMG|BIG)_' > /tmp/ids.txt
echo "files listed by mtp-files: $(wc -l < /tmp/ids.txt)"

mkdir -p /tmp/getfile
t=$(lab_ms)
while read -r id name; do
  timeout 120 mtp-getfile "$id" "/tmp/getfile/$name" > /dev/null 2>&1 || echo "mtp-getfile $id $name failed"
done < /tmp/ids.txt
echo $(( $(lab_ms) - t )) > "$LAB/getfile.ms"
lab_timing mtp-getfile-each "$t"
(cd /tmp/getfile && sha256sum -- *) > "$LAB/getfile-sums.txt"
rm -rf /tmp/getfile

lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
ID=$(lab_device_id mtp < "$LAB/devices.json") || { echo "lifeboat devices listed no MTP phone"; cat "$LAB/devices.err"; exit 12; }
t=$(lab_ms)
timeout -k 5 600 node "$REPO/e2e/usb-lab/guest/json-phase-times.cjs" "$LAB/lifeboat-times.jsonl" -- rescue --device "$ID" --vault /tmp/vault --only photos --json 2> "$LAB/rescue.err"
echo $? > "$LAB/rescue.rc"
lab_timing lifeboat-rescue "$t"
find /tmp/vault/blobs -type f -printf '%f\n' | sort > "$LAB/vault-blobs.txt"
