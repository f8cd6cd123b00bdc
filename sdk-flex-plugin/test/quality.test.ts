import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  QualityMonitor,
  summarizeRtcStats,
  summarizeTwilioStats,
  type QualityTotals,
  type RtcStat,
  type TwilioStatsLike,
} from '../src/video/quality';

/** One peer connection's getStats(): an RTCStatsReport is a map of statistics by id. */
function report(...stats: RtcStat[]): Map<string, RtcStat> {
  return new Map(stats.map((s) => [s.id, s]));
}

/** The transport names the selected pair; its local candidate is `localType`. */
function selected(rttSeconds: number | undefined, localType = 'host'): RtcStat[] {
  return [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', localCandidateId: 'L1', currentRoundTripTime: rttSeconds },
    { id: 'L1', type: 'local-candidate', candidateType: localType },
  ];
}

function inbound(kind: 'audio' | 'video', packetsReceived: number, packetsLost: number, bytesReceived: number, extra = {}): RtcStat {
  return { id: `IN-${kind}`, type: 'inbound-rtp', kind, packetsReceived, packetsLost, bytesReceived, ...extra };
}

const T0 = 1_800_000_000_000;

describe('summarizeRtcStats', () => {
  it('takes the longer round trip of the media path (RTCP) and the selected candidate pair', () => {
    const rtcpLonger = summarizeRtcStats([report(...selected(0.05), { id: 'RI', type: 'remote-inbound-rtp', roundTripTime: 0.0834 })], undefined, T0);
    expect(rtcpLonger.sample?.round_trip_ms).toBe(83.4);
    const pairLonger = summarizeRtcStats([report(...selected(0.2), { id: 'RI', type: 'remote-inbound-rtp', roundTripTime: 0.08 })], undefined, T0);
    expect(pairLonger.sample?.round_trip_ms).toBe(200);
    // Either alone will do.
    expect(summarizeRtcStats([report({ id: 'RI', type: 'remote-inbound-rtp', roundTripTime: 0.031 })], undefined, T0).sample?.round_trip_ms).toBe(31);
    expect(summarizeRtcStats([report(...selected(0.012))], undefined, T0).sample?.round_trip_ms).toBe(12);
  });

  it('reads only the selected pair: the transport names it, else the nominated pair that succeeded', () => {
    const other: RtcStat[] = [
      { id: 'CP2', type: 'candidate-pair', nominated: false, state: 'failed', localCandidateId: 'L2', currentRoundTripTime: 9 },
      { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
    ];
    const viaTransport = summarizeRtcStats([report(...other, ...selected(0.04))], undefined, T0).sample!;
    expect(viaTransport).toMatchObject({ round_trip_ms: 40, relayed: false });

    const noTransport = summarizeRtcStats(
      [
        report(...other, {
          id: 'CP3',
          type: 'candidate-pair',
          nominated: true,
          state: 'succeeded',
          localCandidateId: 'L3',
          currentRoundTripTime: 0.07,
        }, { id: 'L3', type: 'local-candidate', candidateType: 'srflx' }),
      ],
      undefined,
      T0,
    ).sample!;
    expect(noTransport).toMatchObject({ round_trip_ms: 70, relayed: false });
  });

  it('says relayed when the selected pair’s local candidate is a TURN relay', () => {
    expect(summarizeRtcStats([report(...selected(0.1, 'relay'))], undefined, T0).sample?.relayed).toBe(true);
    expect(summarizeRtcStats([report(...selected(0.1, 'host'))], undefined, T0).sample?.relayed).toBe(false);
    // Any of the call's connections going through a relay counts.
    expect(summarizeRtcStats([report(...selected(0.1, 'host')), report(...selected(0.1, 'relay'))], undefined, T0).sample?.relayed).toBe(true);
  });

  it('sends nothing while no round trip is known, but still returns the counters', () => {
    const out = summarizeRtcStats([report(inbound('audio', 100, 2, 5_000), { id: 'CP1', type: 'candidate-pair', state: 'in-progress' })], undefined, T0);
    expect(out.sample).toBeNull();
    expect(out.totals).toEqual({ at: T0, packetsReceived: 100, packetsLost: 2, bytesReceived: 5_000 });
    expect(summarizeRtcStats([], undefined, T0).sample).toBeNull();
  });

  it('counts loss and bitrate since the previous sample, over audio and video together', () => {
    const previous: QualityTotals = { at: T0, packetsReceived: 1_000, packetsLost: 10, bytesReceived: 1_000_000 };
    const out = summarizeRtcStats(
      [report(...selected(0.05), inbound('audio', 300, 5, 250_000), inbound('video', 880, 25, 1_000_000))],
      previous,
      T0 + 5_000,
    );
    // 180 received and 20 lost since: 10 %; 250 000 bytes in 5 s: 400 kbit/s.
    expect(out.sample).toMatchObject({ packet_loss_percent: 10, bitrate_kbps: 400 });
    expect(out.totals).toEqual({ at: T0 + 5_000, packetsReceived: 1_180, packetsLost: 30, bytesReceived: 1_250_000 });
  });

  it('the first sample counts loss from the start of the call and has no bitrate yet', () => {
    const { sample } = summarizeRtcStats([report(...selected(0.05), inbound('video', 970, 30, 90_000))], undefined, T0);
    expect(sample).toEqual({ round_trip_ms: 50, packet_loss_percent: 3, relayed: false });
  });

  it('reports no loss without packets, and no negative loss or bitrate when counters went down (a peer left)', () => {
    const previous: QualityTotals = { at: T0, packetsReceived: 5_000, packetsLost: 80, bytesReceived: 9_000_000 };
    const { sample } = summarizeRtcStats([report(...selected(0.05), inbound('audio', 100, 1, 10_000))], previous, T0 + 5_000);
    expect(sample).toMatchObject({ packet_loss_percent: 0, bitrate_kbps: 0 });
    // A negative packetsLost (duplicates) is no loss.
    const dup = summarizeRtcStats([report(...selected(0.05), inbound('audio', 100, -3, 10_000))], undefined, T0).sample;
    expect(dup?.packet_loss_percent).toBe(0);
  });

  it('rounds to one decimal and keeps within the service’s bounds', () => {
    const previous: QualityTotals = { at: T0, packetsReceived: 0, packetsLost: 0, bytesReceived: 0 };
    const { sample } = summarizeRtcStats([report(...selected(0.123456), inbound('audio', 2, 1, 1_234))], previous, T0 + 3_000);
    expect(sample).toMatchObject({ round_trip_ms: 123.5, packet_loss_percent: 33.3, bitrate_kbps: 3.3 });
    expect(summarizeRtcStats([report(...selected(120))], undefined, T0).sample?.round_trip_ms).toBe(60_000);
  });

  it('gives the received video’s size and freezes (video only, the largest picture)', () => {
    const { sample } = summarizeRtcStats(
      [
        report(...selected(0.05), inbound('audio', 10, 0, 100), inbound('video', 10, 0, 100, { frameWidth: 640, frameHeight: 480, freezeCount: 2 })),
        report(inbound('video', 10, 0, 100, { id: 'IN-v2', frameWidth: 1280, frameHeight: 720, freezeCount: 1 })),
      ],
      undefined,
      T0,
    );
    expect(sample).toMatchObject({ width: 1280, height: 720, freezes: 3 });
    // No video received: no size or freezes at all.
    const audioOnly = summarizeRtcStats([report(...selected(0.05), inbound('audio', 10, 0, 100))], undefined, T0).sample!;
    expect(Object.keys(audioOnly).sort()).toEqual(['packet_loss_percent', 'relayed', 'round_trip_ms']);
  });
});

describe('summarizeTwilioStats', () => {
  function twilioReport(over: Partial<TwilioStatsLike> = {}): TwilioStatsLike {
    return {
      localAudioTrackStats: [{ roundTripTime: 48 }],
      localVideoTrackStats: [{ roundTripTime: null }],
      remoteAudioTrackStats: [{ packetsReceived: 400, packetsLost: 4, bytesReceived: 40_000 }],
      remoteVideoTrackStats: [
        { packetsReceived: 1_500, packetsLost: 16, bytesReceived: 1_960_000, dimensions: { width: 1280, height: 720 }, freezeCount: 1 },
      ],
      activeIceCandidatePair: { currentRoundTripTime: 0.021, localCandidate: { candidateType: 'relay' } },
      ...over,
    };
  }

  it('makes the same sample of twilio-video’s statistics (track round trips in ms, the pair’s in s)', () => {
    const previous: QualityTotals = { at: T0, packetsReceived: 1_000, packetsLost: 10, bytesReceived: 1_000_000 };
    const out = summarizeTwilioStats([twilioReport()], previous, T0 + 5_000);
    // 900 received and 10 lost since: 1.1 %; 1 000 000 bytes in 5 s: 1600 kbit/s.
    expect(out.sample).toEqual({
      round_trip_ms: 48,
      packet_loss_percent: 1.1,
      relayed: true,
      bitrate_kbps: 1_600,
      width: 1280,
      height: 720,
      freezes: 1,
    });
    expect(out.totals).toEqual({ at: T0 + 5_000, packetsReceived: 1_900, packetsLost: 20, bytesReceived: 2_000_000 });
  });

  it('takes the pair’s round trip when it is the longer one, and is not relayed through a host candidate', () => {
    const { sample } = summarizeTwilioStats(
      [twilioReport({ activeIceCandidatePair: { currentRoundTripTime: 0.31, localCandidate: { candidateType: 'host' } } })],
      undefined,
      T0,
    );
    expect(sample).toMatchObject({ round_trip_ms: 310, relayed: false });
  });

  it('sends nothing while no round trip is known', () => {
    const out = summarizeTwilioStats(
      [twilioReport({ localAudioTrackStats: [{ roundTripTime: null }], localVideoTrackStats: [], activeIceCandidatePair: null })],
      undefined,
      T0,
    );
    expect(out.sample).toBeNull();
    expect(out.totals.packetsReceived).toBe(1_900);
    expect(summarizeTwilioStats([], undefined, T0).sample).toBeNull();
  });
});

describe('QualityMonitor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function monitor(collect: () => Promise<RtcStat[][]> | undefined, send = vi.fn()) {
    let reconnects = 0;
    const m = new QualityMonitor<RtcStat[][]>({
      collect,
      summarize: (reports, previous, now) => summarizeRtcStats(reports, previous, now),
      send,
      reconnects: () => reconnects,
    });
    return { m, send, reconnect: () => reconnects++ };
  }

  it('measures every 5 s from start to stop, with the reconnects so far and the previous counters', async () => {
    vi.useFakeTimers({ now: T0 });
    const stats = [[...selected(0.05), inbound('audio', 100, 0, 50_000)]];
    const collect = vi.fn(async () => stats);
    const { m, send, reconnect } = monitor(collect);
    m.start();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(send).toHaveBeenCalledWith({ round_trip_ms: 50, packet_loss_percent: 0, relayed: false, reconnects: 0 });

    stats[0] = [...selected(0.05), inbound('audio', 190, 10, 100_000)];
    reconnect();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(send).toHaveBeenLastCalledWith({ round_trip_ms: 50, packet_loss_percent: 10, relayed: false, bitrate_kbps: 80, reconnects: 1 });

    m.stop();
    expect(m.running).toBe(false);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('skips a round with nothing to measure, or without a round trip', async () => {
    vi.useFakeTimers({ now: T0 });
    let stats: RtcStat[][] | undefined;
    const { m, send } = monitor(() => (stats ? Promise.resolve(stats) : undefined));
    m.start();
    await vi.advanceTimersByTimeAsync(5_000);
    stats = [[inbound('audio', 100, 0, 50_000)]];
    await vi.advanceTimersByTimeAsync(5_000);
    expect(send).not.toHaveBeenCalled();
    m.stop();
  });

  it('never lets failing statistics or a refused sample out (the call goes on)', async () => {
    vi.useFakeTimers({ now: T0 });
    const collect = vi
      .fn<() => Promise<RtcStat[][]>>()
      .mockRejectedValueOnce(new Error('closed'))
      .mockImplementationOnce(() => {
        throw new Error('no getStats');
      })
      .mockResolvedValue([selected(0.05)]);
    const send = vi.fn().mockRejectedValue(new Error('429'));
    const { m } = monitor(collect, send);
    m.start();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(collect).toHaveBeenCalledTimes(3);
    expect(send).toHaveBeenCalledTimes(1);
    m.stop();
  });

  it('drops statistics that arrive after stop (the call ended meanwhile)', async () => {
    vi.useFakeTimers({ now: T0 });
    let resolve!: (r: RtcStat[][]) => void;
    const { m, send } = monitor(() => new Promise((r) => (resolve = r)));
    m.start();
    await vi.advanceTimersByTimeAsync(5_000);
    m.stop();
    resolve([selected(0.05)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(send).not.toHaveBeenCalled();
  });
});
