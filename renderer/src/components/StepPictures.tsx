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
