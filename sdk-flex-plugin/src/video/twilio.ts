/**
 * The `twilio` provider as the plugin runs it: twilioRoom.ts with the
 * twilio-video package the plugin bundles. (The join page runs the same
 * provider with the vendored script's `window.Twilio.Video`, so that module
 * never imports twilio-video itself.)
 */
import * as Video from 'twilio-video';
import type { Room } from 'twilio-video';
import type { VideoGrant } from './call';
import { browserMedia, type MediaAccess } from './media';
import { connectTwilioRoom, TwilioCall as TwilioRoomCall, type QualityReporter } from './twilioRoom';

export type { QualityReporter } from './twilioRoom';

export class TwilioCall extends TwilioRoomCall {
  constructor(room: Room, media: MediaAccess = browserMedia(), receiveOnly = false, reportQuality?: QualityReporter) {
    super(room, media, receiveOnly, reportQuality, { video: Video });
  }
}

/**
 * Connects to the grant's Twilio room with the camera and microphone, or,
 * `receiveOnly`, with no camera or microphone: twilio-video then asks the
 * browser for nothing (no getUserMedia), the call publishes only its data
 * track (asks and tells) and subscribes to the others' tracks. With `reportQuality`, the call's
 * quality samples go there while it lasts.
 */
export function connectTwilio(
  grant: Pick<VideoGrant, 'token' | 'room_name'>,
  media: MediaAccess = browserMedia(),
  { receiveOnly = false, reportQuality }: { receiveOnly?: boolean; reportQuality?: QualityReporter } = {},
): Promise<TwilioRoomCall> {
  return connectTwilioRoom(Video, grant, media, { receiveOnly, reportQuality });
}
