import { AllowDebuggingPicture, DeveloperOptionsPicture, FileTransferPicture } from '../components/StepPictures.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';

const UDEV_RULE = 'SUBSYSTEM=="usb", ATTR{idVendor}=="18d1", MODE="0660", TAG+="uaccess"';

/** What to do with the phone before Lifeboat can see it; honest about what it cannot do yet. */
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

      <section aria-labelledby="notyet-h" className="panel">
        <h2 id="notyet-h">Other phones</h2>
        <dl className="not-yet">
          <dt>iPhone</dt>
          <dd>
            This version of Lifeboat cannot read iPhones yet. Do not reset or update the phone; keep it charged and bring it back
            when iPhone support arrives.
          </dd>
          <dt>Feature phones (buttons, no touch screen)</dt>
          <dd>
            Some newer ones (for example the Nokia 6300 4G) show up as a “File transfer” device when plugged in: Lifeboat reads
            their photos, and their contacts and calendar when the phone offers them as files. Older ones that only charge over
            USB: not yet. Many keep contacts on the SIM card, which survives as long as you keep the card; keep such a phone
            switched off and charged.
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
          <summary>The phone shows up but says “waiting for Allow”</summary>
          <p>Unlock the phone and look for “Allow USB debugging?”. If you tapped “Cancel” by mistake, unplug and plug in again.</p>
        </details>
      </section>
    </>
  );
}
