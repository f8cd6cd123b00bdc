/**
 * Plays a call's remote audio from a hidden `<audio>` element at the end of
 * the page, owned by the call's session, not by the Video tab: Flex unmounts
 * the tab when the agent selects another task or another tab, and the
 * customer must stay audible. The tab's `<video>` elements are muted, so the
 * audio is heard once.
 */
export class AudioSink {
  readonly element: HTMLAudioElement;
  private stream?: MediaStream;

  constructor(
    readonly taskSid: string,
    doc: Document = document,
  ) {
    const el = doc.createElement('audio');
    el.autoplay = true;
    el.setAttribute('data-video-escalation-audio', taskSid);
    el.setAttribute('aria-hidden', 'true');
    el.style.display = 'none';
    doc.body.appendChild(el);
    this.element = el;
  }

  /** Plays exactly the audio tracks of `streams` (the remote participants'). */
  update(streams: (MediaStream | undefined)[]): void {
    if (typeof MediaStream === 'undefined') return;
    const tracks: MediaStreamTrack[] = [];
    for (const s of streams) if (s) for (const t of s.getAudioTracks()) if (!tracks.includes(t)) tracks.push(t);
    if (!this.stream) {
      if (tracks.length === 0) return;
      this.stream = new MediaStream();
    }
    const stream = this.stream;
    for (const t of stream.getTracks()) if (!tracks.includes(t)) stream.removeTrack(t);
    for (const t of tracks) if (!stream.getTracks().includes(t)) stream.addTrack(t);
    if ((this.element as { srcObject?: unknown }).srcObject !== stream) {
      (this.element as { srcObject?: unknown }).srcObject = stream;
    }
  }

  /** The tracks playing now. */
  tracks(): MediaStreamTrack[] {
    return this.stream ? this.stream.getTracks() : [];
  }

  remove(): void {
    (this.element as { srcObject?: unknown }).srcObject = null;
    this.element.remove();
    this.stream = undefined;
  }
}
