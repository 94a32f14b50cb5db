export const USAGE = `Lifeboat: rescue contacts, calendar and photos from a phone, keep them safe, export them.

Usage: npm run --silent lifeboat -- COMMAND [options]

  rescue --image DIR --vault VAULT [--only contacts,calendar,photos] [--json]
      Rescue a device image folder into a vault (created when missing). Contacts first, then
      calendar, then photos and videos. Running it again skips what is already safe.
  export --vault VAULT --out OUT [--device SERIAL] [--vcard 3.0|4.0] [--photos by-date|as-on-device] [--only contacts,calendar,photos] [--json]
      Write one phone of the vault as a BagIt bag: contacts.vcf, one .ics per calendar, photos,
      report.html. OUT must not exist yet or be empty. --only: just these categories.
  verify PATH [--json]
      Check every hash of a vault or an exported bag.
  simulate --image IMAGE (--adb-tcp HOST:PORT | --gadget [--udc NAME]) [--auth trust-all|ask|deny|none]
      Serve an image as an ADB phone: on TCP (for adb connect), or as a real USB device through
      Linux's gadget stack (root; configfs, FunctionFS and a UDC, e.g. dummy_hcd). Ctrl-C stops.
      An MTP image (transport "mtp") is served as an MTP phone with --gadget [--hostile MODE,...].
  web [--sim IMAGE ...] [--port P] [--vault DIR] [--unplug-after BYTES] [--link-rate MBps] [--stall-after BYTES]
      The desktop app's window in a browser: prints the address to open (with its token) on the
      first line. Each --sim plugs in one simulated phone (the faults apply to each). Ctrl-C stops.

Exit codes: 0 done, 1 failed, 2 bad usage or bad input, 3 the phone was lost mid-run (run again to resume).
`;
