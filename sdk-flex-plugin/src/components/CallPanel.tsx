import React, { useState } from 'react';
import type { Translate } from '../strings';
import type { DeviceKind, MediaAccess } from '../video/media';
import type { SessionSnapshot, VideoSession } from '../video/session';
import { DevicePickers } from './DevicePickers';
import { Spinner } from './icons';
import { box, button, danger, row } from './styles';
import { MediaView } from './TrackView';

export interface CallPanelProps {
  taskSid: string;
  session: VideoSession;
  snapshot: SessionSnapshot;
  media: MediaAccess;
  t: Translate;
  onLeave: () => void;
  onEndVideo: () => void;
  endDisabled: boolean;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The call in the Video tab: the videos, the device pickers and the controls. */
export function CallPanel({ taskSid, session, snapshot, media, t, onLeave, onEndVideo, endDisabled }: CallPanelProps): JSX.Element {
  const [error, setError] = useState<string | undefined>();
  const [switching, setSwitching] = useState(false);
  const [shareBusy, setShareBusy] = useState(false);

  const pickDevice = (kind: DeviceKind, deviceId: string) => {
    setSwitching(true);
    setError(undefined);
    session
      .setDevice(kind, deviceId)
      .catch((e) => setError(t('VideoEscalationDeviceFailed', { error: message(e) })))
      .finally(() => setSwitching(false));
  };

  const toggleShare = () => {
    setShareBusy(true);
    setError(undefined);
    (snapshot.screenSharing ? session.stopScreenShare() : session.startScreenShare())
      .catch((e) => setError(t('VideoEscalationShareFailed', { error: message(e) })))
      .finally(() => setShareBusy(false));
  };

  return (
    <div style={box} data-testid="video-call">
      {snapshot.status === 'reconnecting' ? (
        <p role="status" data-testid="reconnecting">
          <Spinner label={t('VideoEscalationReconnecting')} /> {t('VideoEscalationReconnecting')}
        </p>
      ) : null}
      <CallView snapshot={snapshot} t={t} />
      <DevicePickers
        media={media}
        selected={snapshot.devices}
        onPick={pickDevice}
        idPrefix={`video-escalation-${taskSid}`}
        disabled={switching}
        t={t}
      />
      <div style={row}>
        <button type="button" style={button} onClick={() => session.setMicEnabled(!snapshot.micEnabled)}>
          {snapshot.micEnabled ? t('VideoEscalationMute') : t('VideoEscalationUnmute')}
        </button>
        <button
          type="button"
          style={button}
          onClick={() => void session.setCameraEnabled(!snapshot.cameraEnabled).catch((e) => setError(String(e)))}
        >
          {snapshot.cameraEnabled ? t('VideoEscalationCameraOff') : t('VideoEscalationCameraOn')}
        </button>
        {/* Not aria-pressed: the label says what a press does, as the mute and camera buttons do. */}
        {media.canShareScreen() ? (
          <button type="button" style={button} onClick={toggleShare} disabled={shareBusy}>
            {snapshot.screenSharing ? t('VideoEscalationStopSharing') : t('VideoEscalationShareScreen')}
          </button>
        ) : null}
        <button type="button" style={button} onClick={onLeave}>
          {t('VideoEscalationLeave')}
        </button>
        <button type="button" style={danger} onClick={onEndVideo} disabled={endDisabled}>
          {t('VideoEscalationEndVideo')}
        </button>
      </div>
      {error ? <p role="alert">{error}</p> : null}
    </div>
  );
}

function CallView({ snapshot, t }: { snapshot: SessionSnapshot; t: Translate }): JSX.Element {
  return (
    <div style={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 8 }}>
      <div>
        {snapshot.remotes.length === 0 ? <p>{t('VideoEscalationWaitingForCustomer')}</p> : null}
        {snapshot.remotes.map((r) => {
          const name = r.role === 'customer' ? t('VideoEscalationCustomer') : r.name;
          return (
            <div key={r.identity} data-testid={`remote ${r.identity}`} data-audio={String(r.audio)} data-video={String(r.video)}>
              {r.screen ? (
                <>
                  <MediaView stream={r.screen} label={t('VideoEscalationScreenOf', { name })} testId={`screen of ${r.identity}`} />
                  <small>{t('VideoEscalationSharingScreen', { name })}</small>
                </>
              ) : null}
              {r.stream ? (
                <MediaView stream={r.stream} label={t('VideoEscalationVideoOf', { name })} testId={`video of ${r.identity}`} />
              ) : (
                <p>{t('VideoEscalationConnectingTo', { name })}</p>
              )}
              <small>{name}</small>
              {!r.audio ? <small> · {t('VideoEscalationParticipantMuted', { name })}</small> : null}
              {!r.video ? <small> · {t('VideoEscalationParticipantCameraOff', { name })}</small> : null}
            </div>
          );
        })}
      </div>
      <div>
        {snapshot.localStream && snapshot.cameraEnabled ? (
          <MediaView stream={snapshot.localStream} label={t('VideoEscalationYourCameraLabel')} testId="your camera" local />
        ) : (
          <p>{t('VideoEscalationYourCameraOff')}</p>
        )}
        <small>{snapshot.micEnabled ? t('VideoEscalationYou') : t('VideoEscalationYouMuted')}</small>
        {snapshot.screenSharing ? <p role="status">{t('VideoEscalationYouAreSharing')}</p> : null}
      </div>
    </div>
  );
}
