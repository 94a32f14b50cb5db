#!/bin/busybox sh
# /init of the lab's initramfs (static busybox). Mounts the host's / read-only over 9p, a writable
# 9p share for the run's files at /tmp/lab inside it, then runs /tmp/lab/command.sh chrooted in the
# host's root with the host's own node, adb, mtp-tools... Its output goes to /tmp/lab/output.log,
# its exit code to /tmp/lab/exit-code and as a "@lab exit N" line on the console (QEMU exits 0
# whatever the guest did, so the result has to travel this way).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 1 > /proc/sys/kernel/printk
ip link set lo up   # adb's client and server talk over 127.0.0.1:5037
for module in $(cat /modules.list); do insmod "/lib/modules/$module.ko" || echo "@lab init: insmod $module failed"; done

fail() { echo "@lab init: $*"; echo "@lab exit 125"; poweroff -f; }
R=/hostroot
HOSTROOT_CACHE=loose
for word in $(cat /proc/cmdline); do case $word in lab.cache=*) HOSTROOT_CACHE=${word#lab.cache=};; esac; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=$HOSTROOT_CACHE hostroot $R || fail "cannot mount the host's root"
for d in tmp run var/tmp; do mount -t tmpfs -o mode=1777 tmpfs $R/$d || fail "tmpfs on /$d"; done
mkdir -p $R/tmp/lab $R/tmp/home
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 lab $R/tmp/lab || fail "cannot mount the lab share"
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm

# The host controller, when the machine has one (QEMU's qemu-xhci); its devices enumerate meanwhile.
chroot $R /usr/sbin/modprobe -a xhci_pci 2>/dev/null
echo "@lab ready $(cut -d' ' -f1 /proc/uptime)"

chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/tmp/home LAB=/tmp/lab TMPDIR=/tmp LANG=C.UTF-8 XDG_DATA_HOME=/tmp/home/.local/share \
  UV_THREADPOOL_SIZE=16 \
  /bin/bash -c 'cd /tmp/lab && exec /bin/bash /tmp/lab/command.sh' > $R/tmp/lab/output.log 2>&1
rc=$?
echo $rc > $R/tmp/lab/exit-code
sync
echo "@lab exit $rc $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
