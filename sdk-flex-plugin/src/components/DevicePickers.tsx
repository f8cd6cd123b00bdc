import React, { useEffect, useState } from 'react';
import type { Translate } from '../strings';
import { listInputDevices, type DeviceKind, type DeviceSelection, type InputDevice, type MediaAccess } from '../video/media';
import { Str } from './ui';

/** The cameras and microphones, read again when one is plugged in or out. */
export function useInputDevices(media: MediaAccess): InputDevice[] {
  const [devices, setDevices] = useState<InputDevice[]>([]);
  useEffect(() => {
    let live = true;
    const load = () => {
      listInputDevices(media)
        .then((list) => live && setDevices(list))
        // No device list (no permission, no mediaDevices): no pickers, the call goes on.
        .catch(() => live && setDevices([]));
    };
    load();
    const off = media.onDeviceChange(load);
    return () => {
      live = false;
      off();
    };
  }, [media]);
  return devices;
}

export interface DevicePickersProps {
  media: MediaAccess;
  selected: DeviceSelection;
  onPick: (kind: DeviceKind, deviceId: string) => void;
  /** Unique on the page: Flex can show several tasks' tabs. */
  idPrefix: string;
  disabled?: boolean;
  t: Translate;
}

const KINDS: { kind: DeviceKind; label: 'VideoEscalationMicrophone' | 'VideoEscalationCamera'; unnamed: 'VideoEscalationMicrophoneN' | 'VideoEscalationCameraN' }[] = [
  { kind: 'audioinput', label: 'VideoEscalationMicrophone', unnamed: 'VideoEscalationMicrophoneN' },
  { kind: 'videoinput', label: 'VideoEscalationCamera', unnamed: 'VideoEscalationCameraN' },
];

/** A labelled `<select>` per kind that has any device. */
export function DevicePickers({ media, selected, onPick, idPrefix, disabled, t }: DevicePickersProps): JSX.Element {
  const devices = useInputDevices(media);
  return (
    <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
      {KINDS.map(({ kind, label, unnamed }) => {
        const list = devices.filter((d) => d.kind === kind);
        if (list.length === 0) return null;
        const id = `${idPrefix}-${kind}`;
        // The device in use is not in the list (a default the browser does not
        // list, or one unplugged since): a placeholder entry, so that choosing
        // the first device still counts as a change.
        const value = list.some((d) => d.deviceId === selected[kind]) ? selected[kind]! : '';
        return (
          <div key={kind} style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
            <label htmlFor={id}>
              <Str k={label} />
            </label>
            <select id={id} value={value} disabled={disabled} onChange={(e) => onPick(kind, e.target.value)}>
              {value === '' ? (
                <option value="" disabled>
                  {t(label)}
                </option>
              ) : null}
              {list.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || t(unnamed, { n: i + 1 })}
                </option>
              ))}
            </select>
          </div>
        );
      })}
    </div>
  );
}
