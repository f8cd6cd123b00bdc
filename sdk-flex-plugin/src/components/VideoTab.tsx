import React, { useEffect, useRef, useState } from 'react';
import { useEndReason, useSessionSnapshot, useTaskEscalation, useVideoSession } from '../hooks';
import type { PluginServices } from '../services';
import type { TaskLike } from '../task';
import type { EndReason, SessionSnapshot } from '../video/session';
import { Spinner } from './icons';
import { MediaView } from './TrackView';

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

/** The "Video" tab of a chat task: Join Video Room, the call, and its controls. */
export function VideoTab({ task, services }: VideoTabProps): JSX.Element | null {
  const taskSid = task?.taskSid;
  const state = useTaskEscalation(services.store, taskSid);
  const session = useVideoSession(services.sessions, taskSid);
  const snapshot = useSessionSnapshot(session);
  const endReason = useEndReason(services.sessions, taskSid);
  const [joining, setJoining] = useState(false);
  const [joinError, setJoinError] = useState<string | undefined>();

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

  const join = async () => {
    setJoining(true);
    setJoinError(undefined);
    try {
      for (let attempt = 1; ; attempt++) {
        const token = await services.store.agentToken(taskSid);
        if (!token) return; // reported by the store
        try {
          await services.sessions.join(taskSid, token.grant);
          return;
        } catch (err) {
          // The provider refused the token (expired or invalid): once more with a fresh one.
          if (attempt === 1 && isTokenRejected(err)) {
            services.store.invalidateToken(taskSid);
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      setJoinError(err instanceof Error ? err.message : String(err));
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
            <Spinner label="Reconnecting" /> Reconnecting…
          </p>
        ) : null}
        <CallView snapshot={snapshot} />
        <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
          <button type="button" style={button} onClick={() => session.setMicEnabled(!snapshot.micEnabled)}>
            {snapshot.micEnabled ? 'Mute' : 'Unmute'}
          </button>
          <button
            type="button"
            style={button}
            onClick={() => void session.setCameraEnabled(!snapshot.cameraEnabled).catch((e) => setJoinError(String(e)))}
          >
            {snapshot.cameraEnabled ? 'Turn camera off' : 'Turn camera on'}
          </button>
          <button type="button" style={button} onClick={() => services.sessions.leave(taskSid)}>
            Leave
          </button>
          <button type="button" style={danger} onClick={() => void endVideo()} disabled={state.phase === 'completing'}>
            End video
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
          <Spinner label="Creating the video room" /> <p>Creating the video room…</p>
        </div>
      );
    case 'open':
    case 'completing': {
      const escalation = state.escalation;
      return (
        <div style={box}>
          {endReason ? <EndedNotice reason={endReason} /> : null}
          <p>The customer was sent a link to join{escalation?.join_url ? ':' : '.'}</p>
          {escalation?.join_url ? <code style={{ wordBreak: 'break-all' }}>{escalation.join_url}</code> : null}
          <div style={{ display: 'flex', gap: 8 }}>
            <button type="button" style={primary} onClick={() => void join()} disabled={joining} aria-busy={joining}>
              {joining ? 'Joining…' : 'Join Video Room'}
            </button>
            <button type="button" style={danger} onClick={() => void endVideo()} disabled={state.phase === 'completing'}>
              End video
            </button>
          </div>
          {joinError ? <p role="alert">Could not join the video room: {joinError}</p> : null}
          {state.error ? <p role="alert">{state.error.message}</p> : null}
        </div>
      );
    }
    case 'ended':
      return (
        <div style={box}>
          <p>The video call has ended.</p>
          {endReason && endReason !== 'completed' && endReason !== 'left' ? <EndedNotice reason={endReason} /> : null}
          <button type="button" style={button} onClick={() => void services.store.escalate(task)}>
            Start a new video call
          </button>
        </div>
      );
    default:
      return (
        <div style={box}>
          <p>No video call yet. Switch this chat to video to send the customer a join link.</p>
          <button type="button" style={primary} onClick={() => void services.store.escalate(task)}>
            Switch to video
          </button>
          {state.error ? <p role="alert">{state.error.message}</p> : null}
        </div>
      );
  }
}

/**
 * The provider refused the token: twilio-video's access-token errors (20101
 * invalid, 20103 invalid signature, 20104 expired, 20105 not yet valid), or
 * the built-in signalling's close code 4401 (unauthorized) on the first connect.
 */
function isTokenRejected(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 20101 || code === 20103 || code === 20104 || code === 20105 || code === 4401;
}

/** Why the last call ended, in the agent's words. */
export function endReasonText(reason: EndReason): string {
  switch (reason) {
    case 'left':
      return 'You left the video call.';
    case 'completed':
      return 'The video call was ended (the escalation was completed).';
    case 'lost':
    case 'unreachable':
      return 'The connection to the video call was lost.';
    case 'expired':
      return 'The connection to the video call was lost and your video token has expired.';
    case 'replaced':
      return 'You joined this video call from another window, so this one was disconnected.';
    case 'room_full':
      return 'The video service refused the connection: the room is full.';
    default:
      return `The video service refused the connection (${reason}).`;
  }
}

function EndedNotice({ reason }: { reason: EndReason }): JSX.Element {
  return (
    <p data-testid="call-ended" data-reason={reason}>
      {endReasonText(reason)}
    </p>
  );
}

function CallView({ snapshot }: { snapshot: SessionSnapshot }): JSX.Element {
  return (
    <div style={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 8 }}>
      <div>
        {snapshot.remotes.length === 0 ? <p>Waiting for the customer to join…</p> : null}
        {snapshot.remotes.map((r) => (
          <div key={r.identity} data-testid={`remote ${r.identity}`} data-audio={String(r.audio)} data-video={String(r.video)}>
            {r.stream ? <MediaView stream={r.stream} label={`video of ${r.identity}`} /> : <p>Connecting to {r.name}…</p>}
            <small>{r.name}</small>
            {!r.audio ? <small> · {r.name} muted</small> : null}
            {!r.video ? <small> · {r.name}&apos;s camera is off</small> : null}
          </div>
        ))}
      </div>
      <div>
        {snapshot.localStream && snapshot.cameraEnabled ? (
          <MediaView stream={snapshot.localStream} label="your camera" local />
        ) : (
          <p>Your camera is off.</p>
        )}
        <small>You{snapshot.micEnabled ? '' : ' (muted)'}</small>
      </div>
    </div>
  );
}
