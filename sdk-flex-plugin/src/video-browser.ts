/**
 * The plugin's call layer for a plain browser page (build/browser/plugin-video.js,
 * global `EscalatePluginVideo`), for the end-to-end test that calls the join
 * page with the very code the plugin runs in Flex:
 *
 *   const session = await EscalatePluginVideo.join(grant);  // the agent token answer
 *   session.state; session.setMicEnabled(false); session.call.peerConnections(); session.leave();
 */
import type { VideoGrant } from './video/call';
import { VideoSession, VideoSessions, type JoinOptions } from './video/session';

export { VideoSession, VideoSessions };

/** The sessions `join` uses (one page, one task id). */
export const sessions = new VideoSessions();

/** Joins the grant's room as the plugin does for a task (`{ receiveOnly: true }`: as a monitoring supervisor). */
export function join(grant: VideoGrant, taskSid = 'browser', opts: JoinOptions = {}): Promise<VideoSession> {
  return sessions.join(taskSid, grant, opts);
}
