# Sourced before every lab script, in the guest (bash, chrooted in the host's root).
# $LAB is the writable share (the host reads what is left there), $REPO this checkout.

# A line the host reacts to while the guest runs (qemu-guest.ts: onConsoleLine).
lab_say() { echo "@lab $*" > /dev/console; }

# Loops below count time with lab_ms, not iterations: under emulation one iteration (a few
# processes) takes far longer than its sleep.
lab_deadline() { echo $(( $(lab_ms) + $1 * 1000 )); }

# Waits for the host to answer with guest.signal(NAME).
lab_wait_signal() {
  local name=$1 until=$(lab_deadline "${2:-60}")
  while [ ! -e "$LAB/signals/$name" ]; do
    [ "$(lab_ms)" -lt "$until" ] || { echo "lab: no signal $name from the host" >&2; return 1; }
    sleep 0.1
  done
}

# Waits until a USB device VID:PID is on the bus (and its device node exists).
lab_wait_usb() {
  local id=$1 until=$(lab_deadline "${2:-30}")
  until lsusb -d "$id" > /dev/null 2>&1; do
    [ "$(lab_ms)" -lt "$until" ] || { echo "lab: USB device $id did not appear" >&2; return 1; }
    sleep 0.1
  done
}

# Waits until no USB device VID:PID is on the bus.
lab_wait_no_usb() {
  local id=$1 until=$(lab_deadline "${2:-30}")
  while lsusb -d "$id" > /dev/null 2>&1; do
    [ "$(lab_ms)" -lt "$until" ] || { echo "lab: USB device $id is still there" >&2; return 1; }
    sleep 0.1
  done
}

# The id `lifeboat devices` gives a device: usb:BUS-PORTPATH from sysfs, the bus in three
# digits as npm usb names it (e.g. usb:001-1 for sysfs's 1-1).
lab_usb_id() {
  local vid=${1%%:*} pid=${1##*:} dev name
  for dev in /sys/bus/usb/devices/*; do
    [ -f "$dev/idVendor" ] || continue
    if [ "$(cat "$dev/idVendor")" = "$vid" ] && [ "$(cat "$dev/idProduct")" = "$pid" ]; then
      name=$(basename "$dev")
      printf 'usb:%03d-%s\n' "$(cat "$dev/busnum")" "${name#*-}"; return 0
    fi
  done
  return 1
}

# Milliseconds since the guest booted (for timings the host reports).
lab_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# systemd-udevd (Debian package udev), from the host's root like everything else: node-usb
# hears hotplug events only while it runs. A pulled device fails its transfers at once without
# it; the hostile MTP modes run with it (mtp-hostile.sh), as a desktop's USB stack would.
lab_start_udevd() {
  [ -x /lib/systemd/systemd-udevd ] || { echo "lab: systemd-udevd is missing (apt-get install udev)" >&2; return 1; }
  /lib/systemd/systemd-udevd --daemon --resolve-names=never 2>/dev/null
  udevadm trigger --action=add --subsystem-match=usb > /dev/null 2>&1
  udevadm settle --timeout=10 > /dev/null 2>&1
}

# Waits until udevd has no event left to handle (`udevadm settle` refuses to run in a chroot:
# "Running in chroot, ignoring request"; udevd keeps /run/udev/queue while it has events).
lab_udev_settle() {
  pgrep -x systemd-udevd > /dev/null 2>&1 || return 0
  local until=$(lab_deadline "${1:-60}")
  while [ -e /run/udev/queue ]; do
    [ "$(lab_ms)" -lt "$until" ] || { echo "lab: udevd still busy after ${1:-60} s" >&2; return 1; }
    sleep 0.1
  done
}

# The CLI: the host-built bundle of native/cli/main.ts (cli-bundle.ts), or with LAB_NPM=1 the
# npm script itself (`npm run --silent lifeboat --`, 25-30 s a start under emulation).
lifeboat() {
  if [ "$LAB_NPM" = 1 ]; then (cd "$REPO" && npm run --silent lifeboat -- "$@")
  else (cd "$REPO" && node "$LIFEBOAT_CLI" "$@"); fi
}
export -f lifeboat

# lifeboat with a time limit (a hang must fail the test, not the whole lab): lab_lifeboat SECONDS ARGS...
lab_lifeboat() { local limit=$1; shift; timeout -k 5 "$limit" bash -c 'lifeboat "$@"' lifeboat "$@"; }

# "timing NAME MS" lines in the output: the host reports them (milliseconds since START, from lab_ms).
lab_timing() { echo "timing $1 $(( $(lab_ms) - $2 ))"; }

# The USB gadget stack with dummy_hcd: a host controller and a device controller joined inside
# this machine, so a gadget made here is a real USB device on this machine's own bus.
lab_gadget_stack() {
  modprobe -a dummy_hcd libcomposite usb_f_fs || return 1
  mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
}

# Serves device image $1 as an ADB phone on the bus (simulate --gadget) and waits until the
# host side has enumerated it as USB device $2 (VID:PID). Sets GADGET_PID; the gadget's log is
# $LAB/gadget.log.
lab_start_adb_gadget() {
  lab_gadget_stack || return 1
  local start=$(lab_ms)
  lifeboat simulate --image "$1" --gadget > "$LAB/gadget.out" 2> "$LAB/gadget.log" &
  GADGET_PID=$!
  lab_wait_usb "$2" 90 || { echo "the gadget did not appear:"; cat "$LAB/gadget.log"; return 1; }
  lab_timing gadget-enumerated "$start"
}

# Serves device image $1 as an MTP phone on the bus (simulate --gadget; more simulate options
# after $2, e.g. --hostile MODE) and waits until it is enumerated as USB device $2 (VID:PID).
# Sets GADGET_PID; the gadget's log is $LAB/gadget.log.
lab_start_mtp_gadget() {
  lab_gadget_stack || return 1
  local image=$1 id=$2 start=$(lab_ms)
  shift 2
  # node itself in the background (exec), not the lifeboat function: GADGET_PID must be the
  # process that unplugs the gadget on SIGTERM, not a shell that would die and leave it running.
  (cd "$REPO" && exec node "$LIFEBOAT_CLI" simulate --image "$image" --gadget "$@") > "$LAB/gadget.out" 2>> "$LAB/gadget.log" &
  GADGET_PID=$!
  lab_wait_usb "$id" 90 || { echo "the gadget did not appear:"; cat "$LAB/gadget.log"; return 1; }
  # With udevd running, its rules (libmtp's mtp-probe) open a new device and hold it for a
  # moment: wait until udev is done, as a desktop's file manager would.
  lab_udev_settle 60
  lab_timing gadget-enumerated "$start"
}

# Stops the gadget (SIGTERM: it unplugs and removes itself). Returns 1 when it had to be killed.
lab_stop_gadget() {
  [ -n "${GADGET_PID:-}" ] || return 0
  kill "$GADGET_PID" 2> /dev/null
  # A gadget that does not stop must fail the test, not hang the guest until QEMU's timeout.
  local until=$(lab_deadline 20) stopped=0
  while kill -0 "$GADGET_PID" 2> /dev/null; do
    if [ "$(lab_ms)" -ge "$until" ]; then
      echo "lab: the gadget (pid $GADGET_PID) did not stop within 20 s of SIGTERM: killed" >&2
      kill -KILL "$GADGET_PID" 2> /dev/null
      stopped=1
      break
    fi
    sleep 0.1
  done
  wait "$GADGET_PID" 2> /dev/null
  GADGET_PID=
  return $stopped
}

# The id `lifeboat devices --json` gives the first phone of that transport (adb, mtp).
lab_device_id() {
  node -e 'const list = JSON.parse(require("fs").readFileSync(0, "utf8")); const p = list.find((d) => d.transport === process.argv[1]); if (!p) process.exit(1); console.log(p.id);' "$1"
}

# Waits until the JSON lines file $1 (rescue --json) reports at least $2 photos safe, while
# process $3 runs. grep, not node: a node start costs a second of the emulated CPU the rescue uses.
lab_wait_photos() {
  local file=$1 want=$2 pid=$3 until=$(lab_deadline "${4:-120}") items
  while :; do
    items=$(grep -oE '"category":"photos","items":[0-9]+' "$file" 2> /dev/null | tail -1 | grep -oE '[0-9]+$')
    [ "${items:-0}" -ge "$want" ] && return 0
    kill -0 "$pid" 2> /dev/null || { echo "lab: the rescue ended before $want photos were safe" >&2; return 1; }
    [ "$(lab_ms)" -lt "$until" ] || { echo "lab: fewer than $want photos after ${4:-120} s" >&2; return 1; }
    sleep 0.05
  done
}
