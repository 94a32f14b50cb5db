# The feature-phone (AT) simulator behind a real CDC ACM gadget: the kernel's ACM function
# (usb_f_acm) on dummy_hcd gives the phone side /dev/ttyGS0, the host side's cdc_acm driver
# /dev/ttyACM0, as a real feature phone's modem port appears. The simulator serves its pty
# (simulate --tty) and socat joins that pty to /dev/ttyGS0. Then the real client, gammu, and
# Lifeboat read the phone through /dev/ttyACM0. Needs IMAGE, USB_ID (VID:PID), MANUFACTURER, MODEL.
set -u
modprobe -a dummy_hcd libcomposite usb_f_acm cdc_acm || { echo "modprobe failed"; exit 10; }
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
G=/sys/kernel/config/usb_gadget/lifeboat_at
mkdir -p "$G/strings/0x409" "$G/configs/c.1/strings/0x409" "$G/functions/acm.usb0"
echo "0x${USB_ID%%:*}" > "$G/idVendor"
echo "0x${USB_ID##*:}" > "$G/idProduct"
echo "$MANUFACTURER" > "$G/strings/0x409/manufacturer"
echo "$MODEL" > "$G/strings/0x409/product"
echo "LBAT0001" > "$G/strings/0x409/serialnumber"
echo "Modem" > "$G/configs/c.1/strings/0x409/configuration"
ln -s "$G/functions/acm.usb0" "$G/configs/c.1/"
t=$(lab_ms)
ls /sys/class/udc | head -1 > "$G/UDC" || { echo "no UDC to bind"; exit 11; }
lab_wait_usb "$USB_ID" 60 || exit 12
until=$(lab_deadline 30)
until [ -c /dev/ttyACM0 ] && [ -c /dev/ttyGS0 ]; do
  [ "$(lab_ms)" -lt "$until" ] || { echo "no /dev/ttyACM0 or /dev/ttyGS0"; ls -l /dev/tty[AG]* ; exit 13; }
  sleep 0.1
done
lab_timing acm-enumerated "$t"
lsusb -v -d "$USB_ID" > "$LAB/lsusb.txt" 2>&1

(cd "$REPO" && exec node "$LIFEBOAT_CLI" simulate --image "$IMAGE" --tty) > "$LAB/sim.out" 2> "$LAB/sim.log" &
SIM_PID=$!
until=$(lab_deadline 60)
until [ -s "$LAB/sim.out" ]; do
  [ "$(lab_ms)" -lt "$until" ] && kill -0 $SIM_PID 2> /dev/null || { echo "simulate --tty printed no pty"; cat "$LAB/sim.log"; exit 14; }
  sleep 0.1
done
PTY=$(head -1 "$LAB/sim.out")
socat "/dev/ttyGS0,raw,echo=0" "$PTY,raw,echo=0" 2> "$LAB/socat.log" &
SOCAT_PID=$!

printf '[gammu]\ndevice = /dev/ttyACM0\nconnection = at\n' > /tmp/gammurc
t=$(lab_ms)
timeout 120 gammu -c /tmp/gammurc identify > "$LAB/gammu-identify.txt" 2>&1
echo $? > "$LAB/gammu-identify.rc"
for memory in SM ME; do
  timeout 180 gammu -c /tmp/gammurc getallmemory $memory > "$LAB/gammu-$memory.txt" 2>&1
  echo $? > "$LAB/gammu-$memory.rc"
done
lab_timing gammu "$t"

t=$(lab_ms)
lab_lifeboat 120 devices --json > "$LAB/devices.json" 2> "$LAB/devices.err"
lab_timing lifeboat-devices "$t"

t=$(lab_ms)
lab_lifeboat 300 rescue --device at:/dev/ttyACM0 --vault /tmp/vault --json > "$LAB/rescue.jsonl" 2> "$LAB/rescue.err"
echo $? > "$LAB/rescue.rc"
lab_timing lifeboat-rescue "$t"
lab_lifeboat 120 export --vault /tmp/vault --out /tmp/export > "$LAB/export.txt" 2>&1
echo $? > "$LAB/export.rc"
cp /tmp/export/data/contacts/contacts.vcf "$LAB/contacts.vcf" 2> /dev/null

kill $SOCAT_PID $SIM_PID 2> /dev/null
wait $SIM_PID 2> /dev/null
echo "" > "$G/UDC"
exit 0
