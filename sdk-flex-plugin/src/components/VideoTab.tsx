import React, { useEffect, useRef, useState } from 'react';
import { useEndReason, useSessionSnapshot, useTaskEscalation, useVideoSession } from '../hooks';
import { endReasonText } from '../notifications';
import type { PluginServices } from '../services';
import { defaultTranslate, type Translate } from '../strings';
import type { TaskLike } from '../task';
import { OtherCallLiveError, type EndReason, type SessionSnapshot } from '../video/session';
import { Spinner } from './icons';
import { MediaView } from './TrackView';

export { endReasonText };

export interface VideoTabProps {
  /** Injected by Flex (withTaskContext). */
  task?: TaskLike;
  services: PluginServices;
}

const box: React.CSSProperties = { padding: 16, display: 'flex', flexDirection: 'column', gap: 12 };
const button: React.CSSProperties = {
  padding: '8px 16px',
  borderRadius: 4,
  border: '1px solid currentColor',
  background: 'transparent',
  color: 'inherit',
  cursor: 'pointer',
  font: 'inherit',
};
const primary: React.CSSProperties = { ...button, background: '#0263e0', borderColor: '#0263e0', color: '#fff' };
const danger: React.CSSProperties = { ...button, background: '#d61f1f', borderColor: '#d61f1f', color: '#fff' };

function useRejoin(services: PluginServices, taskSid: string | undefined) {
  const read = () => (taskSid ? services.calls.rejoinAttempt(taskSid) : undefined);
  const [rejoin, setRejoin] = useState(read);
  useEffect(() => {
    setRejoin(read());
    return services.calls.subscribe(() => setRejoin(read()));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [services, taskSid]);
  return rejoin;
}

/** The "Video" tab of a chat task: Join Video Room, the call, and its controls. */
export function VideoTab({ task, services }: VideoTabProps): JSX.Element | null {
  const taskSid = task?.taskSid;
  const t = services.t ?? defaultTranslate;
  const state = useTaskEscalation(services.store, taskSid);
  const session = useVideoSession(services.sessions, taskSid);
  const snapshot = useSessionSnapshot(session);
  const endReason = useEndReason(services.sessions, taskSid);
  const rejoin = useRejoin(services, taskSid);
  const [joining, setJoining] = useState(false);
  const [joinError, setJoinError] = useState<string | undefined>();
  const [otherCall, setOtherCall] = useState<string | undefined>();

  // The room went away under the agent (ended elsewhere, timed out): re-read the escalation.
  const wasConnected = useRef(false);
  useEffect(() => {
    if (session) wasConnected.current = true;
    else if (wasConnected.current && taskSid) {
      wasConnected.current = false;
      void services.store.refresh(taskSid);
    }
  }, [session, services, taskSid]);

  if (!task || !taskSid) return null;

  const join = async (replaceOther = false) => {
    setJoining(true);
    setJoinError(undefined);
    setOtherCall(undefined);
    try {
      await services.calls.join(taskSid, { replaceOther });
    } catch (err) {
      if (err instanceof OtherCallLiveError) setOtherCall(err.otherTaskSid);
      else setJoinError(err instanceof Error ? err.message : String(err));
    } finally {
      setJoining(false);
    }
  };

  const endVideo = async () => {
    services.sessions.leave(taskSid);
    await services.store.complete(task);
  };

  if (session && snapshot?.connected) {
    return (
      <div style={box} data-testid="video-call">
        {snapshot.status === 'reconnecting' ? (
          <p role="status" data-testid="reconnecting">
            <Spinner label={t('VideoEscalationReconnecting')} /> {t('VideoEscalationReconnecting')}
          </p>
        ) : null}
        <CallView snapshot={snapshot} t={t} />
        <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
          <button type="button" style={button} onClick={() => session.setMicEnabled(!snapshot.micEnabled)}>
            {snapshot.micEnabled ? t('VideoEscalationMute') : t('VideoEscalationUnmute')}
          </button>
          <button
            type="button"
            style={button}
            onClick={() => void session.setCameraEnabled(!snapshot.cameraEnabled).catch((e) => setJoinError(String(e)))}
          >
            {snapshot.cameraEnabled ? t('VideoEscalationCameraOff') : t('VideoEscalationCameraOn')}
          </button>
          <button type="button" style={button} onClick={() => services.sessions.leave(taskSid)}>
            {t('VideoEscalationLeave')}
          </button>
          <button type="button" style={danger} onClick={() => void endVideo()} disabled={state.phase === 'completing'}>
            {t('VideoEscalationEndVideo')}
          </button>
        </div>
        {joinError ? <p role="alert">{joinError}</p> : null}
      </div>
    );
  }

  switch (state.phase) {
    case 'creating':
      return (
        <div style={box}>
          <Spinner label={t('VideoEscalationCreatingRoom')} /> <p>{t('VideoEscalationCreatingRoom')}</p>
        </div>
      );
    case 'open':
    case 'completing': {
      const escalation = state.escalation;
      return (
        <div style={box}>
          {rejoin ? (
            <p role="status" data-testid="rejoining">
              <Spinner label={t('VideoEscalationReconnecting')} /> {t('VideoEscalationRejoining', rejoin)}
            </p>
          ) : endReason ? (
            <EndedNotice reason={endReason} t={t} />
          ) : null}
          <p>{escalation?.join_url ? t('VideoEscalationLinkSentTo') : t('VideoEscalationLinkSent')}</p>
          {escalation?.join_url ? <code style={{ wordBreak: 'break-all' }}>{escalation.join_url}</code> : null}
          <div style={{ display: 'flex', gap: 8 }}>
            <button type="button" style={primary} onClick={() => void join()} disabled={joining} aria-busy={joining}>
              {joining ? t('VideoEscalationJoining') : t('VideoEscalationJoin')}
            </button>
            <button type="button" style={danger} onClick={() => void endVideo()} disabled={state.phase === 'completing'}>
              {t('VideoEscalationEndVideo')}
            </button>
          </div>
          {otherCall ? (
            <div role="alert" data-testid="other-call" data-other-task={otherCall}>
              <p>{t('VideoEscalationOtherCallLive')}</p>
              <button type="button" style={button} onClick={() => void join(true)} disabled={joining}>
                {t('VideoEscalationLeaveOtherAndJoin')}
              </button>
            </div>
          ) : null}
          {joinError ? <p role="alert">{t('VideoEscalationJoinFailed', { error: joinError })}</p> : null}
          {state.error ? <p role="alert">{state.error.message}</p> : null}
        </div>
      );
    }
    case 'ended':
      return (
        <div style={box}>
          <p>{t('VideoEscalationEnded')}</p>
          {endReason && endReason !== 'completed' && endReason !== 'left' ? <EndedNotice reason={endReason} t={t} /> : null}
          <button type="button" style={button} onClick={() => void services.store.escalate(task)}>
            {t('VideoEscalationStartNew')}
          </button>
        </div>
      );
    default:
      return (
        <div style={box}>
          <p>{t('VideoEscalationNoCallYet')}</p>
          <button type="button" style={primary} onClick={() => void services.store.escalate(task)}>
            {t('VideoEscalationSwitchToVideo')}
          </button>
          {state.error ? <p role="alert">{state.error.message}</p> : null}
        </div>
      );
  }
}

function EndedNotice({ reason, t }: { reason: EndReason; t: Translate }): JSX.Element {
  return (
    <p data-testid="call-ended" data-reason={reason}>
      {endReasonText(reason, t)}
    </p>
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
              {r.stream ? (
                <MediaView stream={r.stream} label={`video of ${r.identity}`} />
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
          <MediaView stream={snapshot.localStream} label="your camera" local />
        ) : (
          <p>{t('VideoEscalationYourCameraOff')}</p>
        )}
        <small>{snapshot.micEnabled ? t('VideoEscalationYou') : t('VideoEscalationYouMuted')}</small>
      </div>
    </div>
  );
}
