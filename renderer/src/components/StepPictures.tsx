import type { ReactNode } from 'react';

/**
 * Drawings of what the phone shows at each step, so a person recognises the screen. Drawn here
 * (no screenshots of anyone's software); each has a text alternative for screen readers.
 */

function Phone({ children, label }: { children: ReactNode; label: string }) {
  return (
    <svg className="step-picture" viewBox="0 0 160 290" role="img" aria-label={label}>
      <rect x="4" y="4" width="152" height="282" rx="18" fill="#1d2733" />
      <rect x="12" y="22" width="136" height="246" rx="6" fill="#f4f6f9" />
      <circle cx="80" cy="13" r="3" fill="#5b6b7c" />
      {children}
    </svg>
  );
}

export function FileTransferPicture() {
  return (
    <Phone label="The phone's notification 'Use USB for', with 'File transfer' chosen">
      <text x="22" y="48" fontSize="11" fontWeight="bold" fill="#1d2733">Use USB for</text>
      {['File transfer', 'USB tethering', 'MIDI', 'PTP', 'No data transfer'].map((t, i) => (
        <g key={t}>
          <circle cx="30" cy={72 + i * 26} r="6" fill="none" stroke="#0b5cad" strokeWidth="2" />
          {i === 0 ? <circle cx="30" cy={72} r="3" fill="#0b5cad" /> : null}
          <text x="42" y={76 + i * 26} fontSize="10" fill="#1d2733" fontWeight={i === 0 ? 'bold' : 'normal'}>
            {t}
          </text>
        </g>
      ))}
    </Phone>
  );
}

export function DeveloperOptionsPicture() {
  return (
    <Phone label="Settings, Developer options, with the USB debugging switch turned on">
      <text x="22" y="48" fontSize="11" fontWeight="bold" fill="#1d2733">Developer options</text>
      <text x="22" y="84" fontSize="10" fill="#1d2733">USB debugging</text>
      <text x="22" y="98" fontSize="8" fill="#5b6b7c">Debug mode when USB</text>
      <text x="22" y="108" fontSize="8" fill="#5b6b7c">is connected</text>
      <rect x="112" y="76" width="26" height="14" rx="7" fill="#0b5cad" />
      <circle cx="131" cy="83" r="6" fill="#fff" />
      <text x="22" y="150" fontSize="8" fill="#5b6b7c">(Settings › About phone › tap</text>
      <text x="22" y="162" fontSize="8" fill="#5b6b7c">Build number 7 times first)</text>
    </Phone>
  );
}

export function AllowDebuggingPicture() {
  return (
    <Phone label="The phone asks 'Allow USB debugging?'; 'Always allow from this computer' is ticked and Allow is pressed">
      <rect x="16" y="90" width="128" height="120" rx="8" fill="#fff" stroke="#c9d2dc" />
      <text x="24" y="110" fontSize="9" fontWeight="bold" fill="#1d2733">Allow USB debugging?</text>
      <text x="26" y="126" fontSize="7" fill="#5b6b7c">The computer's RSA key</text>
      <text x="26" y="136" fontSize="7" fill="#5b6b7c">fingerprint is: 3A:7F:…</text>
      <rect x="26" y="148" width="10" height="10" fill="#0b5cad" />
      <path d="M28 153l2 2 4-5" stroke="#fff" strokeWidth="1.5" fill="none" />
      <text x="39" y="156" fontSize="6" fill="#1d2733">Always allow from this computer</text>
      <text x="60" y="195" fontSize="9" fill="#5b6b7c">Cancel</text>
      <rect x="98" y="182" width="36" height="18" rx="4" fill="#0b5cad" />
      <text x="104" y="195" fontSize="9" fontWeight="bold" fill="#fff">Allow</text>
    </Phone>
  );
}

export function TrustComputerPicture() {
  return (
    <Phone label="The iPhone asks 'Trust This Computer?'; Trust is pressed">
      <rect x="16" y="96" width="128" height="112" rx="10" fill="#fff" stroke="#c9d2dc" />
      <text x="30" y="118" fontSize="9" fontWeight="bold" fill="#1d2733">Trust This Computer?</text>
      <text x="26" y="134" fontSize="6.5" fill="#5b6b7c">Your settings and data will be</text>
      <text x="26" y="143" fontSize="6.5" fill="#5b6b7c">accessible from this computer</text>
      <text x="26" y="152" fontSize="6.5" fill="#5b6b7c">when connected.</text>
      <line x1="16" y1="166" x2="144" y2="166" stroke="#c9d2dc" />
      <line x1="80" y1="166" x2="80" y2="208" stroke="#c9d2dc" />
      <rect x="82" y="168" width="60" height="38" rx="4" fill="#e3eefb" />
      <text x="100" y="191" fontSize="10" fontWeight="bold" fill="#0b5cad">Trust</text>
      <text x="26" y="191" fontSize="8" fill="#0b5cad">Don’t Trust</text>
    </Phone>
  );
}

export function EncryptedBackupPicture() {
  return (
    <svg className="step-picture step-picture-wide" viewBox="0 0 220 150" role="img" aria-label="A computer's backup settings for the iPhone, with 'Encrypt local backup' ticked and a 'Back Up Now' button">
      <rect x="4" y="4" width="212" height="122" rx="8" fill="#1d2733" />
      <rect x="12" y="12" width="196" height="104" rx="3" fill="#f4f6f9" />
      <rect x="96" y="126" width="28" height="12" fill="#1d2733" />
      <rect x="70" y="138" width="80" height="6" rx="3" fill="#1d2733" />
      <text x="22" y="32" fontSize="9" fontWeight="bold" fill="#1d2733">Backups</text>
      <circle cx="27" cy="48" r="4" fill="none" stroke="#0b5cad" strokeWidth="1.5" />
      <circle cx="27" cy="48" r="2" fill="#0b5cad" />
      <text x="36" y="51" fontSize="7" fill="#1d2733">Back up all of the data on your iPhone</text>
      <text x="36" y="60" fontSize="7" fill="#1d2733">to this computer</text>
      <rect x="22" y="68" width="9" height="9" fill="#0b5cad" />
      <path d="M24 72l2 2 3.5-4.5" stroke="#fff" strokeWidth="1.4" fill="none" />
      <text x="36" y="76" fontSize="7" fontWeight="bold" fill="#1d2733">Encrypt local backup</text>
      <text x="130" y="76" fontSize="6" fill="#0b5cad">Change Password…</text>
      <rect x="22" y="88" width="60" height="16" rx="4" fill="#0b5cad" />
      <text x="29" y="99" fontSize="7.5" fontWeight="bold" fill="#fff">Back Up Now</text>
    </svg>
  );
}

export function FeaturePhonePicture() {
  return (
    <svg className="step-picture" viewBox="0 0 160 290" role="img" aria-label="A phone with keys, its screen asking how to use the USB cable, with 'PC Suite' chosen">
      <rect x="24" y="4" width="112" height="282" rx="20" fill="#1d2733" />
      <rect x="34" y="22" width="92" height="104" rx="4" fill="#f4f6f9" />
      <text x="40" y="40" fontSize="8.5" fontWeight="bold" fill="#1d2733">USB mode:</text>
      {['PC Suite', 'Mass storage', 'Charging only'].map((t, i) => (
        <g key={t}>
          {i === 0 ? <rect x="38" y={50} width="84" height="15" fill="#0b5cad" /> : null}
          <text x="42" y={61 + i * 20} fontSize="8" fill={i === 0 ? '#fff' : '#1d2733'} fontWeight={i === 0 ? 'bold' : 'normal'}>
            {t}
          </text>
        </g>
      ))}
      {[0, 1, 2, 3].map((row) =>
        [0, 1, 2].map((col) => <rect key={`${row}-${col}`} x={42 + col * 28} y={150 + row * 30} width="20" height="18" rx="5" fill="#5b6b7c" />),
      )}
    </svg>
  );
}
