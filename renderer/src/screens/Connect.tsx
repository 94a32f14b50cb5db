import {
  AllowDebuggingPicture, DeveloperOptionsPicture, EncryptedBackupPicture, FeaturePhonePicture, FileTransferPicture, TrustComputerPicture,
} from '../components/StepPictures.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';

const UDEV_RULE = 'SUBSYSTEM=="usb", ATTR{idVendor}=="18d1", MODE="0660", TAG+="uaccess"';

/** What to do with the phone before Lifeboat can see it (Android, iPhone, feature phones); honest about what it cannot do yet. */
export function Connect({ onDevices }: { onDevices: () => void }) {
  return (
    <>
      <ScreenHeading title="Connect a phone" />
      <p className="lead">
        Plug the phone into this computer with its USB cable. Lifeboat only reads from the phone: it never changes or deletes
        anything on it.
      </p>

      <section aria-labelledby="android-h" className="panel">
        <h2 id="android-h">Android phones</h2>
        <ol className="steps">
          <li>
            <FileTransferPicture />
            <div>
              <h3>For photos and videos: choose “File transfer”</h3>
              <p>
                Unlock the phone. Pull down the notification “Charging this device via USB” (or “USB for…”), tap it, and choose{' '}
                <strong>File transfer</strong>.
              </p>
            </div>
          </li>
          <li>
            <DeveloperOptionsPicture />
            <div>
              <h3>For contacts and calendar: turn on USB debugging</h3>
              <p>
                Contacts and calendar never travel over “File transfer”. Open <strong>Settings › About phone</strong> and tap{' '}
                <strong>Build number</strong> seven times (“You are now a developer”). Then open{' '}
                <strong>Settings › System › Developer options</strong> and turn on <strong>USB debugging</strong>.
              </p>
            </div>
          </li>
          <li>
            <AllowDebuggingPicture />
            <div>
              <h3>Tap “Allow” on the phone</h3>
              <p>
                When the phone asks <strong>“Allow USB debugging?”</strong>, tick “Always allow from this computer” and tap{' '}
                <strong>Allow</strong>. If the question does not show, unplug the cable and plug it in again with the phone unlocked.
              </p>
            </div>
          </li>
        </ol>
        <button type="button" className="primary" onClick={onDevices}>
          I have done this: show my phones
        </button>
      </section>

      <section aria-labelledby="iphone-h" className="panel">
        <h2 id="iphone-h">iPhones</h2>
        <p>
          An iPhone gives its photos and videos over the cable. Its contacts and calendar it gives to no program over the cable: they
          come from a backup of the iPhone made on a computer with Finder (Mac) or iTunes / Apple Devices (Windows). Lifeboat reads
          both.
        </p>
        <ol className="steps">
          <li>
            <TrustComputerPicture />
            <div>
              <h3>For photos and videos: unlock the iPhone and tap “Trust”</h3>
              <p>
                Unlock the iPhone with its passcode and plug it in. When it asks <strong>“Trust This Computer?”</strong>, tap{' '}
                <strong>Trust</strong> and enter the passcode. Until then the iPhone shows this computer nothing; if you tapped “Don’t
                Trust”, unplug it and plug it in again. Keep it unlocked while the photos come over.
              </p>
              <p className="hint">
                Photos kept only in iCloud (“Optimize iPhone Storage”) are not on the phone, so no cable can bring them.
              </p>
            </div>
          </li>
          <li>
            <EncryptedBackupPicture />
            <div>
              <h3>For contacts and calendar: a backup on a computer</h3>
              <p>
                If this computer has a backup of the iPhone, Lifeboat lists it under <strong>Phones</strong> as “iPhone backup of …”
                with its date. To make one: on a Mac open <strong>Finder</strong>, choose the iPhone in the sidebar, then{' '}
                <strong>Back Up Now</strong>; on Windows use the <strong>Apple Devices</strong> app (or iTunes) the same way. A backup
                holds the contacts, calendar and camera roll as they were that day.
              </p>
            </div>
          </li>
          <li>
            <div>
              <h3>An encrypted backup needs its backup password</h3>
              <p>
                When <strong>“Encrypt local backup”</strong> is ticked, the backup opens only with the password chosen then: the
                backup password, not the iPhone’s passcode. Lifeboat asks for it when you rescue the backup, uses it to open the
                backup and never keeps it. Without it no one can read that backup, Apple included; if it is lost, an iPhone can make
                a new encrypted backup with a new password after “Reset All Settings”, which leaves photos and contacts in place.
              </p>
            </div>
          </li>
        </ol>
        <p className="hint">
          Lifeboat’s iPhone support was built from Apple’s published formats and checked with simulated iPhones and backups; it has
          not met every real iPhone yet.
        </p>
      </section>

      <section aria-labelledby="feature-h" className="panel">
        <h2 id="feature-h">Feature phones (buttons, no touch screen)</h2>
        <ol className="steps">
          <li>
            <FeaturePhonePicture />
            <div>
              <h3>Plug in the data cable; choose “PC Suite” if the phone asks</h3>
              <p>
                Many such phones show up on the computer as a <strong>modem</strong> when plugged in with a data cable (some cables
                only charge). If the phone asks how to use the cable, choose <strong>PC Suite</strong> (or “Nokia mode”, “Modem”,
                “PC connection”), not “Mass storage” or “Charging only”.
              </p>
            </div>
          </li>
        </ol>
        <dl className="not-yet">
          <dt>What Lifeboat rescues from them</dt>
          <dd>
            The contacts in the phone’s memory and on the SIM card (names and numbers, in any script), read over the modem line with
            the phone’s own commands. Where the phone also speaks OBEX on that cable (many phones of the 2000s do), its calendar and
            pictures come too. Newer ones (for example the Nokia 6300 4G) show up as a “File transfer” device instead:
            Lifeboat reads their photos, and their contacts and calendar when the phone offers them as files.
          </dd>
          <dt>What it does not (yet)</dt>
          <dd>
            Text messages and call history; the calendar and pictures of a phone whose modem line has no OBEX. Pictures on a
            memory card: take the card out and copy it with a card reader. A phone that only charges over USB: Lifeboat cannot see
            it; its contacts often live on the SIM card, which keeps them as long as you keep the card.
          </dd>
        </dl>
      </section>

      <section aria-labelledby="trouble-h" className="panel">
        <h2 id="trouble-h">If the phone does not appear</h2>
        <details>
          <summary>Another program holds the phone</summary>
          <p>
            Only one program at a time can talk to a phone. Close Android Studio, phone managers, “Android File Transfer” (Mac) and
            photo importers. If you have the Android tools, stop their background server: open a terminal and run{' '}
            <code>adb kill-server</code>. Then unplug the phone and plug it in again.
          </p>
        </details>
        <details>
          <summary>Linux: the phone needs a udev rule</summary>
          <p>
            Linux lets ordinary users open a USB device only when a rule allows it. Put this line in{' '}
            <code>/etc/udev/rules.d/51-android.rules</code> (the number after idVendor is your phone maker’s USB id; 18d1 is Google,
            04e8 Samsung, 2717 Xiaomi, 22b8 Motorola):
          </p>
          <pre>
            <code>{UDEV_RULE}</code>
          </pre>
          <p>
            Then run <code>sudo udevadm control --reload-rules &amp;&amp; sudo udevadm trigger</code> and plug the phone in again.
          </p>
        </details>
        <details>
          <summary>Windows: the driver does not let Lifeboat in</summary>
          <p>
            Windows gives a phone in “File transfer” mode to its own driver, which other programs cannot open. For USB debugging
            Windows needs the phone maker’s ADB driver (or Google’s “USB Driver” for Pixel phones): install it, then open Device
            Manager and check that the phone shows as “Android ADB Interface”. Unplug and plug the phone in again.
          </p>
        </details>
        <details>
          <summary>An iPhone does not appear</summary>
          <p>
            Unlock it and look for “Trust This Computer?”. On Linux, iPhones are reached through the <code>usbmuxd</code> service:
            install it (<code>sudo apt install usbmuxd</code>) and plug the iPhone in again. On Windows, install Apple’s “Apple
            Devices” app (or iTunes): it brings the driver. Without them an iPhone shows up as a camera, which gives its photos only.
          </p>
        </details>
        <details>
          <summary>An iPhone backup is not listed</summary>
          <p>
            Lifeboat looks where Finder and iTunes keep backups: <code>~/Library/Application Support/MobileSync/Backup</code> on a
            Mac (Lifeboat needs “Full Disk Access” in System Settings › Privacy &amp; Security to read it) and{' '}
            <code>%APPDATA%\Apple Computer\MobileSync\Backup</code> or <code>%USERPROFILE%\Apple\MobileSync\Backup</code> on
            Windows. A backup copied elsewhere (an external disk) can be opened from there: start Lifeboat with{' '}
            <code>--backup FOLDER</code>.
          </p>
        </details>
        <details>
          <summary>A feature phone shows no modem</summary>
          <p>
            On Linux the phone’s modem appears as <code>/dev/ttyACM0</code>; your user needs to be in the <code>dialout</code> group
            (<code>sudo usermod -aG dialout $USER</code>, then log in again), and ModemManager may hold the port: stop it while
            Lifeboat reads (<code>sudo systemctl stop ModemManager</code>). On Windows the phone maker’s PC Suite driver makes the
            COM port. Check that the cable carries data: many cables only charge.
          </p>
        </details>
        <details>
          <summary>The phone shows up but says “waiting for Allow”</summary>
          <p>Unlock the phone and look for “Allow USB debugging?”. If you tapped “Cancel” by mistake, unplug and plug in again.</p>
        </details>
      </section>
    </>
  );
}
