import { useEffect, useState } from 'react';
import type { EscalationStore, TaskEscalationState } from './escalationStore';
import type { SessionSnapshot, VideoSession, VideoSessions } from './video/session';

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
