import React, { useEffect, useRef, useState } from 'react';
import { useEndReason, useSessionSnapshot, useTaskEscalation, useVideoSession } from '../hooks';
import { callFailureText, endReasonString, endReasonText } from '../notifications';
import type { PluginServices } from '../services';
import { defaultTranslate, type Translate } from '../strings';
import type { TaskLike } from '../task';
import { OtherCallLiveError, type EndReason } from '../video/session';
import { CallPanel, RecordingIndicator } from './CallPanel';
import { Spinner } from './icons';
import { box, type ThemeLike } from './theme';
import { ActionButton, Str, UiScope, useUi } from './ui';

export { endReasonText };

export interface VideoTabProps {
  /** Injected by Flex (withTaskContext). */
  task?: TaskLike;
  services: PluginServices;
  /** Flex's theme (withTheme). */
  theme?: ThemeLike;
}

export function useRejoin(services: PluginServices, taskSid: string | undefined) {
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
export function VideoTab({ task, services, theme }: VideoTabProps): JSX.Element | null {
  if (!task || !task.taskSid) return null;
  return (
    <UiScope ui={services.ui} theme={theme} t={services.t}>
      <AgentVideoTab task={task} services={services} />
    </UiScope>
  );
}

function AgentVideoTab({ task, services }: { task: TaskLike; services: PluginServices }): JSX.Element {
  const { palette } = useUi();
  const taskSid = task.taskSid;
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

  // While the agent reads the tab of a call that can be joined, with a
  // built-in call's token in hand, the call's first connection gathers (see
  // VideoSessions.prepare); released if the tab goes without joining, handed
  // to the call if it joins.
  const grant = state.phase === 'open' ? state.agentToken?.grant : undefined;
  useEffect(() => {
    if (!grant || session) return undefined;
    services.sessions.prepare(taskSid, grant);
    return () => services.sessions.release(taskSid);
  }, [grant, session, services, taskSid]);

  const alert: React.CSSProperties = { color: palette.error };

  const join = async (replaceOther = false) => {
    setJoining(true);
    setJoinError(undefined);
    setOtherCall(undefined);
    try {
      await services.calls.join(taskSid, { replaceOther, as: 'agent' });
    } catch (err) {
      if (err instanceof OtherCallLiveError) setOtherCall(err.otherTaskSid);
      else setJoinError(callFailureText(err, t));
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
      <CallPanel
        taskSid={taskSid}
        session={session}
        snapshot={snapshot}
        media={services.sessions.media}
        t={t}
        onLeave={() => services.sessions.leave(taskSid)}
        onEndVideo={() => void endVideo()}
        endDisabled={state.phase === 'completing'}
        saveSnapshot={(picture) => services.store.saveSnapshot(taskSid, picture)}
      />
    );
  }

  switch (state.phase) {
    case 'creating':
      return (
        <div style={box}>
          <Spinner label={t('VideoEscalationCreatingRoom')} />{' '}
          <p>
            <Str k="VideoEscalationCreatingRoom" />
          </p>
        </div>
      );
    case 'open':
    case 'completing': {
      const escalation = state.escalation;
      return (
        <div style={box}>
          {/* Connecting (again) to a recorded room: say so before the call is live. */}
          {state.recording && (joining || rejoin) ? <RecordingIndicator t={t} /> : null}
          {rejoin ? (
            <p role="status" data-testid="rejoining">
              <Spinner label={t('VideoEscalationReconnecting')} /> <Str k="VideoEscalationRejoining" vars={rejoin} />
            </p>
          ) : endReason ? (
            <EndedNotice reason={endReason} t={t} />
          ) : null}
          <p>{escalation?.join_url ? <Str k="VideoEscalationLinkSentTo" /> : <Str k="VideoEscalationLinkSent" />}</p>
          {escalation?.join_url ? <code style={{ wordBreak: 'break-all' }}>{escalation.join_url}</code> : null}
          <div style={{ display: 'flex', gap: 8 }}>
            <ActionButton variant="primary" onClick={() => void join()} disabled={joining} busy={joining}>
              {joining ? <Str k="VideoEscalationJoining" /> : <Str k="VideoEscalationJoin" />}
            </ActionButton>
            <ActionButton variant="destructive" onClick={() => void endVideo()} disabled={state.phase === 'completing'}>
              <Str k="VideoEscalationEndVideo" />
            </ActionButton>
          </div>
          {otherCall ? (
            <div role="alert" data-testid="other-call" data-other-task={otherCall}>
              <p>
                <Str k="VideoEscalationOtherCallLive" />
              </p>
              <ActionButton onClick={() => void join(true)} disabled={joining}>
                <Str k="VideoEscalationLeaveOtherAndJoin" />
              </ActionButton>
            </div>
          ) : null}
          {joinError ? (
            <p role="alert" style={alert}>
              <Str k="VideoEscalationJoinFailed" vars={{ error: joinError }} />
            </p>
          ) : null}
          {state.error ? (
            <p role="alert" style={alert}>
              {state.error.message}
            </p>
          ) : null}
        </div>
      );
    }
    case 'ended':
      return (
        <div style={box}>
          <p>
            <Str k="VideoEscalationEnded" />
          </p>
          {endReason && endReason !== 'completed' && endReason !== 'left' ? <EndedNotice reason={endReason} t={t} /> : null}
          <ActionButton onClick={() => void services.store.escalate(task)}>
            <Str k="VideoEscalationStartNew" />
          </ActionButton>
        </div>
      );
    default:
      return (
        <div style={box}>
          <p>
            <Str k="VideoEscalationNoCallYet" />
          </p>
          <ActionButton variant="primary" onClick={() => void services.store.escalate(task)}>
            <Str k="VideoEscalationSwitchToVideo" />
          </ActionButton>
          {state.error ? (
            <p role="alert" style={alert}>
              {state.error.message}
            </p>
          ) : null}
        </div>
      );
  }
}

/** Why the call ended (`t` is kept for callers; the text is Flex's template, see Str). */
export function EndedNotice({ reason }: { reason: EndReason; t?: Translate }): JSX.Element {
  const { key, vars } = endReasonString(reason);
  return (
    <p data-testid="call-ended" data-reason={reason}>
      <Str k={key} vars={vars} />
    </p>
  );
}
