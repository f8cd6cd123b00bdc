// jsdom has no MediaStream: the call layer builds streams from tracks.
import { FakeMediaStream } from './fakeMedia';

if (typeof (globalThis as { MediaStream?: unknown }).MediaStream === 'undefined') {
  (globalThis as { MediaStream?: unknown }).MediaStream = FakeMediaStream;
}
