import React, { useEffect, useRef, useState } from 'react';
import type { JoinAs } from '../calls';
import { useEndReason, useSessionSnapshot, useTaskEscalation, useVideoSession } from '../hooks';
import { callFailureText, problemNotificationText } from '../notifications';
import type { PluginServices } from '../services';
import { defaultTranslate } from '../strings';
import { taskVideoAttributes, type TaskLike } from '../task';
import { OtherCallLiveError, type RemoteView } from '../video/session';
import { CallPanel, RecordingIndicator } from './CallPanel';
import { Spinner } from './icons';
import { box, row, type ThemeLike } from './theme';
import { ActionButton, Str, UiScope, useUi } from './ui';
import { EndedNotice, useRejoin } from './VideoTab';

export interface SupervisorVideoTabProps {
  /** The agent's task the supervisor selected in the Teams view (injected by Flex, withTaskContext). */
  task?: TaskLike;
  services: PluginServices;
  /** Flex's theme (withTheme). */
  theme?: ThemeLike;
}

/**
 * The "Video" tab of the supervisor's task canvas in Flex's Teams view: for
 * the task's live escalation, "Join video" (camera and microphone on) or
 * "Monitor video" (nothing of the supervisor's is opened or sent). The
 * supervisor joins as themselves: the service answers the agent-token
 * request of a Flex supervisor or admin for any escalation of the contact
 * center, and refuses anyone else with 403 (a Flex notification says so).
 * One live call per user still holds, across their own tasks and these.
 */
export function SupervisorVideoTab({ task, services, theme }: SupervisorVideoTabProps): JSX.Element | null {
  if (!task || !task.taskSid) return null;
  return (
    <UiScope ui={services.ui} theme={theme} t={services.t}>
      <SupervisorPanel task={task} services={services} />
    </UiScope>
  );
}

function SupervisorPanel({ task, services }: { task: TaskLike; services: PluginServices }): JSX.Element {
  const { palette } = useUi();
  const t = services.t ?? defaultTranslate;
  const taskSid = task.taskSid;
  const { escalationId, status: recordedStatus } = taskVideoAttributes(task);
  const state = useTaskEscalation(services.store, taskSid);
  const session = useVideoSession(services.sessions, taskSid);
  const snapshot = useSessionSnapshot(session);
  const endReason = useEndReason(services.sessions, taskSid);
  const rejoin = useRejoin(services, taskSid);
  const [joining, setJoining] = useState<JoinAs | undefined>();
  const [joinError, setJoinError] = useState<string | undefined>();
  const [otherCall, setOtherCall] = useState<{ taskSid: string; as: JoinAs } | undefined>();

  // The escalation the task names (again when the agent starts a new one).
  useEffect(() => {
    if (escalationId) void services.store.supervise(task);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [escalationId, taskSid, services]);

  // The agent's plugin records the end in the task's attributes: read the escalation again.
  useEffect(() => {
    if (recordedStatus === 'completed' || recordedStatus === 'failed' || recordedStatus === 'expired') void services.store.refresh(taskSid);
  }, [recordedStatus, taskSid, services]);

  // The room went away under the supervisor (ended, timed out): read the escalation again.
  const wasConnected = useRef(false);
  useEffect(() => {
    if (session) wasConnected.current = true;
    else if (wasConnected.current) {
      wasConnected.current = false;
      void services.store.refresh(taskSid);
    }
  }, [session, services, taskSid]);

  const join = async (as: JoinAs, replaceOther = false) => {
    setJoining(as);
    setJoinError(undefined);
    setOtherCall(undefined);
    try {
      await services.calls.join(taskSid, { replaceOther, as });
    } catch (err) {
      if (err instanceof OtherCallLiveError) setOtherCall({ taskSid: err.otherTaskSid, as });
      else setJoinError(callFailureText(err, t));
    } finally {
      setJoining(undefined);
    }
  };

  const escalation = state.escalation?.id === escalationId ? state.escalation : undefined;
  // The escalation's agent by their name (from the escalation), not their identity.
  const nameOf = (r: RemoteView) =>
    escalation && r.identity === escalation.agent_identity ? escalation.agent_name || undefined : undefined;

  if (session && snapshot?.connected) {
    return (
      <CallPanel
        taskSid={taskSid}
        session={session}
        snapshot={snapshot}
        media={services.sessions.media}
        t={t}
        onLeave={() => services.sessions.leave(taskSid)}
        nameOf={nameOf}
        saveSnapshot={(picture) => services.store.saveSnapshot(taskSid, picture)}
      />
    );
  }

  const alert: React.CSSProperties = { color: palette.error };
  const body = (children: React.ReactNode) => (
    <div style={{ ...box, color: palette.text }} data-testid="supervisor-video" data-phase={escalationId ? state.phase : 'none'}>
      {children}
    </div>
  );

  if (!escalationId)
    return body(
      <p>
        <Str k="VideoEscalationSupervisorNoCall" />
      </p>,
    );

  if (!escalation) {
    if (state.phase === 'error' && state.error) {
      return body(
        <>
          <p role="alert" style={alert}>
            {problemNotificationText(state.error, 'supervise', t)}
          </p>
          <div style={row}>
            <ActionButton onClick={() => void services.store.supervise(task)}>
              <Str k="VideoEscalationTryAgain" />
            </ActionButton>
          </div>
        </>,
      );
    }
    return body(
      <p>
        <Spinner label={t('VideoEscalationSupervisorLoading')} /> <Str k="VideoEscalationSupervisorLoading" />
      </p>,
    );
  }

  if (state.phase === 'ended') {
    return body(
      <>
        <p>
          <Str k="VideoEscalationSupervisorEnded" />
        </p>
        {endReason && endReason !== 'completed' && endReason !== 'left' ? <EndedNotice reason={endReason} t={t} /> : null}
      </>,
    );
  }

  return body(
    <>
      {/* Connecting (again) to a recorded room: say so before the call is live. */}
      {state.recording && (joining !== undefined || rejoin) ? <RecordingIndicator t={t} /> : null}
      {rejoin ? (
        <p role="status" data-testid="rejoining">
          <Spinner label={t('VideoEscalationReconnecting')} /> <Str k="VideoEscalationRejoining" vars={rejoin} />
        </p>
      ) : endReason ? (
        <EndedNotice reason={endReason} t={t} />
      ) : null}
      <p>
        <Str k="VideoEscalationSupervisorLive" />
      </p>
      <div style={row}>
        <ActionButton variant="primary" onClick={() => void join('supervisor')} disabled={joining !== undefined} busy={joining === 'supervisor'}>
          {joining === 'supervisor' ? <Str k="VideoEscalationJoining" /> : <Str k="VideoEscalationSupervisorJoin" />}
        </ActionButton>
        <ActionButton onClick={() => void join('monitor')} disabled={joining !== undefined} busy={joining === 'monitor'}>
          {joining === 'monitor' ? <Str k="VideoEscalationJoining" /> : <Str k="VideoEscalationSupervisorMonitor" />}
        </ActionButton>
      </div>
      <small style={{ color: palette.textWeak }}>
        <Str k="VideoEscalationSupervisorHint" />
      </small>
      {otherCall ? (
        <div role="alert" data-testid="other-call" data-other-task={otherCall.taskSid}>
          <p>
            <Str k="VideoEscalationOtherCallLive" />
          </p>
          <ActionButton onClick={() => void join(otherCall.as, true)} disabled={joining !== undefined}>
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
          {problemNotificationText(state.error, 'supervise', t)}
        </p>
      ) : null}
    </>,
  );
}
