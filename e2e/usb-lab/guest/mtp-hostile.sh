# Hostile MTP phones over the real bus, all in one boot: for each mode in MODES (space-separated;
# "huge-folder=N" sets its entries), the MTP simulator as a gadget with --hostile MODE and one
# Lifeboat rescue that must end by itself. For each mode NAME it leaves in $LAB: NAME.rc, .jsonl,
# .err, .ms (wall time), .maxrss (peak resident KiB of the rescue, GNU time), .blobs (what the
# vault holds), .workdir (what the rescue's folder holds), .outside (files written anywhere else
# in the guest's writable places during the rescue), .onbus (whether the phone was still on the
# bus when the rescue ended), .stop (1: the gadget had to be killed). Needs IMAGE, USB_ID.
set -u
if lab_start_udevd; then echo running > "$LAB/udevd.txt"; else echo "not running" > "$LAB/udevd.txt"; fi
pgrep -f systemd-udevd >> "$LAB/udevd.txt" 2>&1
lab_gadget_stack || exit 9
mkdir -p /tmp/hostile
for MODE in $MODES; do
  NAME=${MODE%%=*}
  echo "--- $MODE" >> "$LAB/gadget.log"
  lab_start_mtp_gadget "$IMAGE" "$USB_ID" --hostile "$MODE" || exit 10
  # The id `lifeboat devices` would give (from sysfs: a node start less per mode under emulation).
  ID=$(lab_usb_id "$USB_ID") || { echo "no USB device $USB_ID in sysfs"; exit 12; }
  WORK=/tmp/hostile/$NAME
  mkdir -p "$WORK"
  touch /tmp/hostile/.stamp
  sleep 1  # file times have a one-second grain on some filesystems: "newer than the stamp" must mean "written by this rescue"
  t=$(lab_ms)
  /usr/bin/time -f '%M' -o "$LAB/$NAME.maxrss" timeout -k 5 200 bash -c 'lifeboat "$@"' lifeboat \
    rescue --device "$ID" --vault "$WORK/vault" --json > "$LAB/$NAME.jsonl" 2> "$LAB/$NAME.err"
  echo $? > "$LAB/$NAME.rc"
  echo $(( $(lab_ms) - t )) > "$LAB/$NAME.ms"
  lab_timing "rescue-$NAME" "$t"
  if lsusb -d "$USB_ID" > /dev/null 2>&1; then echo yes > "$LAB/$NAME.onbus"; else echo no > "$LAB/$NAME.onbus"; fi
  find "$WORK/vault/blobs" -type f -printf '%f\n' 2> /dev/null | sort > "$LAB/$NAME.blobs"
  ls -A "$WORK" > "$LAB/$NAME.workdir"
  # Writable places of the guest (the host's root is read-only here): only the vault may change
  # (and udevd's own database, /run/udev, when a phone leaves the bus).
  find /tmp /run /var/tmp /dev/shm -xdev -newer /tmp/hostile/.stamp -type f \
    -not -path "$WORK/vault/*" -not -path '/run/udev/*' 2> /dev/null | sort -u > "$LAB/$NAME.outside"
  t=$(lab_ms)
  lab_stop_gadget; echo $? > "$LAB/$NAME.stop"
  lab_timing "gadget-stop-$NAME" "$t"
  lab_wait_no_usb "$USB_ID" 30 || exit 11
done
