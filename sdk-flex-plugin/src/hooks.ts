import { useEffect, useState } from 'react';
import type { EscalationStore, TaskEscalationState } from './escalationStore';
import type { EndReason, SessionSnapshot, VideoSession, VideoSessions } from './video/session';

export function useTaskEscalation(store: EscalationStore, taskSid: string | undefined): TaskEscalationState {
  const [state, setState] = useState(() => store.get(taskSid ?? ''));
  useEffect(() => {
    setState(store.get(taskSid ?? ''));
    return store.subscribe(() => setState(store.get(taskSid ?? '')));
  }, [store, taskSid]);
  return state;
}

export function useVideoSession(sessions: VideoSessions, taskSid: string | undefined): VideoSession | undefined {
  const [session, setSession] = useState(() => (taskSid ? sessions.get(taskSid) : undefined));
  useEffect(() => {
    setSession(taskSid ? sessions.get(taskSid) : undefined);
    return sessions.subscribe(() => setSession(taskSid ? sessions.get(taskSid) : undefined));
  }, [sessions, taskSid]);
  return session;
}

export function useSessionSnapshot(session: VideoSession | undefined): SessionSnapshot | undefined {
  const [snap, setSnap] = useState(() => session?.state);
  useEffect(() => {
    setSnap(session?.state);
    if (!session) return undefined;
    return session.subscribe(() => setSnap(session.state));
  }, [session]);
  return snap;
}

/** How the task's last call ended (undefined while in a call, or before the first). */
export function useEndReason(sessions: VideoSessions, taskSid: string | undefined): EndReason | undefined {
  const [reason, setReason] = useState(() => (taskSid ? sessions.endReason(taskSid) : undefined));
  useEffect(() => {
    setReason(taskSid ? sessions.endReason(taskSid) : undefined);
    return sessions.subscribe(() => setReason(taskSid ? sessions.endReason(taskSid) : undefined));
  }, [sessions, taskSid]);
  return reason;
}
