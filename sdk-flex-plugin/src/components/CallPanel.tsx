import React, { useState } from 'react';
import type { Translate } from '../strings';
import type { DeviceKind, MediaAccess } from '../video/media';
import type { RemoteView, SessionSnapshot, VideoSession } from '../video/session';
import { DevicePickers } from './DevicePickers';
import { SnapshotButton } from './SnapshotButton';
import { Spinner } from './icons';
import { box, recordingDotStyle, recordingStyle, row } from './theme';
import { MediaView } from './TrackView';
import { ActionButton, Str, useUi } from './ui';

export interface CallPanelProps {
  taskSid: string;
  session: VideoSession;
  snapshot: SessionSnapshot;
  media: MediaAccess;
  t: Translate;
  onLeave: () => void;
  /** Ends the escalation; without it (a supervisor's view) there is no End video button. */
  onEndVideo?: () => void;
  endDisabled?: boolean;
  /** A better name for a participant than their identity (e.g. the escalation's agent name). */
  nameOf?: (remote: RemoteView) => string | undefined;
  /** Saves a snapshot to the escalation; with it, "Take snapshot" shows while a customer's video plays. */
  saveSnapshot?: (picture: Blob) => Promise<unknown>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * What the call view shows for a participant: the Flex string for "Customer"
 * (the service's customer identities are `customer:` and random digits, and
 * neither the token nor the escalation carries a customer name), the name the
 * caller knows, an agent's Flex identity without the `agent:` prefix, or the
 * identity.
 */
export function participantName(r: Pick<RemoteView, 'identity' | 'role'>, t: Translate, known?: string): string {
  if (r.role === 'customer' || r.identity.startsWith('customer:')) return t('VideoEscalationCustomer');
  if (known) return known;
  if (r.identity.startsWith('agent:')) return r.identity.slice('agent:'.length) || r.identity;
  return r.identity;
}

/**
 * "Recording", beside a red dot: the room records its participants (the
 * token's `recording`). Shown while such a call is live or connecting; its
 * accessible name says it in full ("This call is recorded").
 */
export function RecordingIndicator({ t }: { t: Translate }): JSX.Element {
  const { palette } = useUi();
  const label = t('VideoEscalationRecordingLabel');
  return (
    <p role="status" aria-label={label} title={label} data-testid="recording" style={recordingStyle(palette)}>
      <span aria-hidden="true" data-testid="recording-dot" style={recordingDotStyle(palette)} />
      <span>
        <Str k="VideoEscalationRecording" />
      </span>
    </p>
  );
}

/** The call in the Video tab: the videos, the device pickers and the controls. */
export function CallPanel({
  taskSid,
  session,
  snapshot,
  media,
  t,
  onLeave,
  onEndVideo,
  endDisabled,
  nameOf,
  saveSnapshot,
}: CallPanelProps): JSX.Element {
  const { palette } = useUi();
  const [error, setError] = useState<string | undefined>();
  const [switching, setSwitching] = useState(false);
  const [shareBusy, setShareBusy] = useState(false);
  const [asked, setAsked] = useState(false);
  const receiveOnly = snapshot.receiveOnly;
  const canAsk = !receiveOnly && snapshot.remotes.some((r) => r.role === 'customer');

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
    <div
      style={{ ...box, color: palette.text }}
      data-testid="video-call"
      data-receive-only={String(receiveOnly)}
      data-recording={String(snapshot.recording)}
    >
      {snapshot.recording ? <RecordingIndicator t={t} /> : null}
      {snapshot.status === 'reconnecting' ? (
        <p role="status" data-testid="reconnecting">
          <Spinner label={t('VideoEscalationReconnecting')} /> <Str k="VideoEscalationReconnecting" />
        </p>
      ) : null}
      <CallView snapshot={snapshot} t={t} nameOf={nameOf} />
      {receiveOnly ? (
        <p role="status" data-testid="monitoring">
          <Str k="VideoEscalationMonitoring" />
        </p>
      ) : (
        <DevicePickers
          media={media}
          selected={snapshot.devices}
          onPick={pickDevice}
          idPrefix={`video-escalation-${taskSid}`}
          disabled={switching}
          t={t}
        />
      )}
      <div style={row}>
        {/*
          Plain buttons, not toggles (no aria-pressed): each label says what a
          press does ("Mute" / "Unmute", "Turn camera off" / "Turn camera on").
          A monitoring call has no camera or microphone to switch.
        */}
        {receiveOnly ? null : (
          <>
            <ActionButton onClick={() => session.setMicEnabled(!snapshot.micEnabled)}>
              {snapshot.micEnabled ? <Str k="VideoEscalationMute" /> : <Str k="VideoEscalationUnmute" />}
            </ActionButton>
            <ActionButton onClick={() => void session.setCameraEnabled(!snapshot.cameraEnabled).catch((e) => setError(message(e)))}>
              {snapshot.cameraEnabled ? <Str k="VideoEscalationCameraOff" /> : <Str k="VideoEscalationCameraOn" />}
            </ActionButton>
            {canAsk ? (
              <ActionButton onClick={() => setAsked(session.askBackCamera())}>
                <Str k="VideoEscalationAskBackCamera" />
              </ActionButton>
            ) : null}
            {media.canShareScreen() ? (
              <ActionButton onClick={toggleShare} disabled={shareBusy}>
                {snapshot.screenSharing ? <Str k="VideoEscalationStopSharing" /> : <Str k="VideoEscalationShareScreen" />}
              </ActionButton>
            ) : null}
          </>
        )}
        {/* A monitoring supervisor too: a still needs no camera of theirs. */}
        {saveSnapshot ? <SnapshotButton session={session} snapshot={snapshot} t={t} save={saveSnapshot} /> : null}
        <ActionButton onClick={onLeave}>
          <Str k="VideoEscalationLeave" />
        </ActionButton>
        {onEndVideo ? (
          <ActionButton variant="destructive" onClick={onEndVideo} disabled={endDisabled}>
            <Str k="VideoEscalationEndVideo" />
          </ActionButton>
        ) : null}
      </div>
      {asked ? (
        <p role="status" data-testid="asked-back-camera">
          <Str k="VideoEscalationAskedBackCamera" />
        </p>
      ) : null}
      {error ? (
        <p role="alert" style={{ color: palette.error }}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

function CallView({ snapshot, t, nameOf }: { snapshot: SessionSnapshot; t: Translate; nameOf?: (r: RemoteView) => string | undefined }): JSX.Element {
  const { palette } = useUi();
  const weak: React.CSSProperties = { color: palette.textWeak };
  return (
    <div style={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 8 }}>
      <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
        {snapshot.remotes.length === 0 ? <p>
            <Str k="VideoEscalationWaitingForCustomer" />
          </p> : null}
        {snapshot.remotes.map((r) => {
          const name = participantName(r, t, nameOf?.(r));
          return (
            <div key={r.identity} data-testid={`remote ${r.identity}`} data-audio={String(r.audio)} data-video={String(r.video)}>
              {/* Their shared screen (a track of its own) beside their camera, the screen the larger. */}
              <div style={r.screen ? { display: 'grid', gridTemplateColumns: '3fr 1fr', gap: 8, alignItems: 'start' } : undefined}>
                {r.screen ? (
                  <div>
                    <MediaView stream={r.screen} label={t('VideoEscalationScreenOf', { name })} testId={`screen of ${r.identity}`} />
                    <small style={weak}>
                      <Str k="VideoEscalationSharingScreen" vars={{ name }} />
                    </small>
                  </div>
                ) : null}
                <div>
                  {r.stream ? (
                    <MediaView stream={r.stream} label={t('VideoEscalationVideoOf', { name })} testId={`video of ${r.identity}`} />
                  ) : (
                    <p>
                      <Str k="VideoEscalationConnectingTo" vars={{ name }} />
                    </p>
                  )}
                  <small style={weak} data-testid={`name of ${r.identity}`}>
                    {name}
                  </small>
                  {!r.audio ? (
                    <small style={weak}>
                      {' · '}
                      <Str k="VideoEscalationParticipantMuted" vars={{ name }} />
                    </small>
                  ) : null}
                  {!r.video ? (
                    <small style={weak}>
                      {' · '}
                      <Str k="VideoEscalationParticipantCameraOff" vars={{ name }} />
                    </small>
                  ) : null}
                </div>
              </div>
            </div>
          );
        })}
      </div>
      <div>
        {snapshot.receiveOnly ? null : snapshot.localStream && snapshot.cameraEnabled ? (
          <MediaView stream={snapshot.localStream} label={t('VideoEscalationYourCameraLabel')} testId="your camera" local />
        ) : (
          <p>
            <Str k="VideoEscalationYourCameraOff" />
          </p>
        )}
        {snapshot.receiveOnly ? null : (
          <small style={weak}>{snapshot.micEnabled ? <Str k="VideoEscalationYou" /> : <Str k="VideoEscalationYouMuted" />}</small>
        )}
        {snapshot.screenSharing ? (
          <p role="status">
            <Str k="VideoEscalationYouAreSharing" />
          </p>
        ) : null}
      </div>
    </div>
  );
}
