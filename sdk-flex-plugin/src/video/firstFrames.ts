/**
 * A new connection's first video frames go out small.
 *
 * Chrome starts each connection's bandwidth estimate at 300 kbps. While the
 * video's share of it is under 300 kbps, its encoder drops the first frames
 * of a picture larger than 320×240 (up to four, one frame interval each) and
 * scales down to what the estimate allows before it encodes anything. Measured
 * by `scripts/bench call`: 125–155 ms from DTLS to the first frame encoded at
 * 640×480 or 1280×720, about 50 ms when the sender starts at 320×240.
 *
 * So a new connection's camera sender starts scaled to at most 320×240
 * (`scaleResolutionDownBy`), and returns to full size once the estimate has
 * had time to grow; from then on WebRTC's own adaptation sizes the picture
 * (snapshots of the customer's camera want its full resolution).
 */

/** The largest first picture Chrome encodes at its starting estimate without dropping frames. */
export const FIRST_FRAME_PIXELS = 320 * 240;
/** How long after connecting the sender returns to full size (the estimate's first probes are done by then). */
export const FULL_SIZE_AFTER_MS = 2000;

/**
 * Scales `sender`'s encoding down to FIRST_FRAME_PIXELS when its track is
 * larger, and returns what puts it back to full size (undefined: nothing was
 * changed). Best effort: a browser that refuses the parameters sends as it would.
 */
export function startSmall(sender: RTCRtpSender): (() => void) | undefined {
  const settings = sender.track?.getSettings?.() ?? {};
  const pixels = (settings.width ?? 0) * (settings.height ?? 0);
  if (pixels <= FIRST_FRAME_PIXELS) return undefined;
  // Rounded up to a quarter: the scaled size is rounded too, and must not come out a pixel over.
  if (!scale(sender, Math.ceil(Math.sqrt(pixels / FIRST_FRAME_PIXELS) * 4) / 4)) return undefined;
  return () => void scale(sender, 1);
}

function scale(sender: RTCRtpSender, by: number): boolean {
  if (typeof sender.getParameters !== 'function' || typeof sender.setParameters !== 'function') return false;
  try {
    const params = sender.getParameters();
    const first = params.encodings?.[0];
    if (!first) return false;
    first.scaleResolutionDownBy = by;
    sender.setParameters(params).catch(() => undefined);
    return true;
  } catch {
    // A browser that throws instead of rejecting: it sends as it would.
    return false;
  }
}
