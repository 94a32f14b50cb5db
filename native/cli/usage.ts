export const USAGE = `Lifeboat: rescue contacts, calendar and photos from a phone, keep them safe, export them.

Usage: npm run --silent lifeboat -- COMMAND [options]

  rescue --image DIR --vault VAULT [--only contacts,calendar,photos] [--json]
      Rescue a device image folder into a vault (created when missing). Contacts first, then
      calendar, then photos and videos. Running it again skips what is already safe.
  rescue --backup DIR --vault VAULT [--password-file FILE] [--only ...] [--json]
      Rescue an iPhone backup folder made by iTunes or Finder (plain or encrypted). The password
      of an encrypted one comes from --password-file, LIFEBOAT_BACKUP_PASSWORD or a prompt.
  export --vault VAULT --out OUT [--device SERIAL] [--vcard 3.0|4.0] [--photos by-date|as-on-device] [--only contacts,calendar,photos] [--json]
      Write one phone of the vault as a BagIt bag: contacts.vcf, one .ics per calendar, photos,
      report.html. OUT must not exist yet or be empty. --only: just these categories.
  verify PATH [--json]
      Check every hash of a vault or an exported bag.
  simulate --image IMAGE (--adb-tcp HOST:PORT | --gadget [--udc NAME]) [--auth trust-all|ask|deny|none]
      Serve an image as an ADB phone: on TCP (for adb connect), or as a real USB device through
      Linux's gadget stack (root; configfs, FunctionFS and a UDC, e.g. dummy_hcd). Ctrl-C stops.
      An MTP image (transport "mtp") is served as an MTP phone with --gadget [--hostile MODE,...] (huge-folder=N: N entries).
  simulate --image IMAGE --tty [--hostile MODE]
      Serve a feature-phone image (transport "at") on a pseudo-terminal; its path is the first
      line. gammu (connection = at) or rescue --device at:/dev/pts/N talk AT commands to it.
  simulate --image IMAGE --usbmuxd SOCKET [--trust trusted|ask|deny|locked] [--hostile MODE]
      Serve an image as a live iPhone behind a simulated usbmuxd (SOCKET: a path, or HOST:PORT);
      the first line is its USBMUXD_SOCKET_ADDRESS. With it set, idevice_id, ideviceinfo,
      idevicepair, "devices" and rescue --device iphone:UDID (photos from DCIM) talk to it.
  web [--sim IMAGE ...] [--backup DIR ...] [--port P] [--vault DIR] [--unplug-after BYTES] [--link-rate MBps] [--stall-after BYTES]
      The desktop app's window in a browser: prints the address to open (with its token) on the
      first line. Each --sim plugs in one simulated phone (the faults apply to each); each
      --backup offers one iPhone backup folder (the window asks for an encrypted one's password). Ctrl-C stops.
      --store starts in store mode (staff sign in; every phone its own sealed customer session;
      also switched on under Settings); --store-dir DIR is its folder (staff, audit log, sessions).
  rescue --store (--sim IMAGE | --device ID) --handoff DIR --staff ID [--store-dir DIR] [--only ...] [--json]
      Store mode: one customer session, sealed with a key that lives only in memory; exported to
      a new folder in DIR (the customer's medium), verified, then the key destroyed, the session's
      files removed, and the receipt printed (and written beside the export). The PIN is read from
      the terminal (or the first line of stdin).
  store staff add --staff ID [--store-dir DIR] | store staff list | store check
      Store mode's staff (PINs kept as scrypt hashes) and the check for software holding phones.
  audit verify [--log FILE] [--store-dir DIR] [--json]
      Check the store's audit log: exit 0 when its hash chain is intact, 1 naming the first bad line.

Exit codes: 0 done, 1 failed, 2 bad usage or bad input, 3 the phone was lost mid-run (run again to resume).
`;
