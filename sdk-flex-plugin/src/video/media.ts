/**
 * The browser's cameras, microphones and screen capture, behind one small
 * interface so both providers and the device pickers take the same thing
 * (navigator.mediaDevices in Flex, a fake in the tests).
 */

export type DeviceKind = 'audioinput' | 'videoinput';
/** The device in use per kind (undefined when the browser does not say). */
export type DeviceSelection = Partial<Record<DeviceKind, string>>;

export interface InputDevice {
  kind: DeviceKind;
  deviceId: string;
  /** Empty until the agent has allowed the camera and microphone. */
  label: string;
}

export interface MediaAccess {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  /** Whether this browser can share a screen at all (no getDisplayMedia on phones and tablets). */
  canShareScreen(): boolean;
  /** Calls `listener` when a device is plugged in or out; returns the unsubscribe. */
  onDeviceChange(listener: () => void): () => void;
}

/** The camera's constraints, for the first track and every switch (the same size either way). */
export const CAMERA: MediaTrackConstraints = { width: 640 };
/** The screen alone: its audio would be a second audio source the customer's page does not expect. */
export const SCREEN: DisplayMediaStreamOptions = { video: true, audio: false };
/** A Twilio video track of this name carries a screen: the agent's share is published so, and a remote one is shown as a screen. */
export const SCREEN_TRACK_NAME = 'screen';

/** Constraints that open exactly `deviceId` for `kind`. */
export function deviceConstraints(kind: DeviceKind, deviceId: string): MediaStreamConstraints {
  const exact = { deviceId: { exact: deviceId } };
  return kind === 'audioinput' ? { audio: exact } : { video: { ...CAMERA, ...exact } };
}

/** The device a track was opened on. */
export function deviceIdOf(track: MediaStreamTrack | undefined): string | undefined {
  return track?.getSettings?.().deviceId || undefined;
}

/** navigator.mediaDevices, read when used (so a page without it fails the call, not the import). */
export function browserMedia(): MediaAccess {
  const devices = (): MediaDevices => {
    const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
    if (!media) throw new Error('This browser gives no access to cameras and microphones here');
    return media;
  };
  return {
    getUserMedia: async (constraints) => devices().getUserMedia(constraints),
    getDisplayMedia: async (options) => devices().getDisplayMedia(options),
    enumerateDevices: async () => devices().enumerateDevices(),
    canShareScreen: () => typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function',
    onDeviceChange(listener) {
      const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
      media?.addEventListener('devicechange', listener);
      return () => media?.removeEventListener('devicechange', listener);
    },
  };
}

/** The cameras and microphones, in the browser's order. */
export async function listInputDevices(media: MediaAccess): Promise<InputDevice[]> {
  const all = await media.enumerateDevices();
  return all
    .filter((d) => (d.kind === 'audioinput' || d.kind === 'videoinput') && d.deviceId)
    .map((d) => ({ kind: d.kind as DeviceKind, deviceId: d.deviceId, label: d.label }));
}

/** Calls `onEnded` when the browser ends `track` by itself (its own "Stop sharing" bar); returns the unsubscribe. */
export function onTrackEnded(track: MediaStreamTrack, onEnded: () => void): () => void {
  track.addEventListener('ended', onEnded);
  return () => track.removeEventListener('ended', onEnded);
}
