# Hostile MTP phones over the real bus: for each mode in MODES (space-separated), the MTP
# simulator as a gadget with --hostile MODE, and a Lifeboat rescue that must end by itself.
# Leaves $LAB/MODE.rc, .jsonl, .err and .ms. Needs IMAGE, USB_ID.
set -u
for MODE in $MODES; do
  echo "--- $MODE" >> "$LAB/gadget.log"
  lab_start_mtp_gadget "$IMAGE" "$USB_ID" --hostile "$MODE" || exit 10
  lab_lifeboat 120 devices --json > "$LAB/$MODE.devices.json" 2> "$LAB/$MODE.devices.err"
  ID=$(lab_device_id mtp < "$LAB/$MODE.devices.json") || { echo "lifeboat devices listed no MTP phone"; cat "$LAB/$MODE.devices.err"; exit 12; }
  t=$(lab_ms)
  lab_lifeboat 200 rescue --device "$ID" --vault "/tmp/vault-$MODE" --json > "$LAB/$MODE.jsonl" 2> "$LAB/$MODE.err"
  echo $? > "$LAB/$MODE.rc"
  echo $(( $(lab_ms) - t )) > "$LAB/$MODE.ms"
  lab_timing "rescue-$MODE" "$t"
  lab_stop_gadget
  lab_wait_no_usb "$USB_ID" 30 || exit 11
done
