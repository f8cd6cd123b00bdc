import { describe, expect, it } from 'vitest';
import { FINAL_CLOSE_CODES } from '../src/video/builtin';
import { CLOSE, FINAL_CLOSES } from '../src/video/generated/signaling';

describe('the built-in provider\'s close codes', () => {
  it('are the generated FINAL_CLOSES, with ended called completed', () => {
    const expected = Object.fromEntries(
      Object.entries(FINAL_CLOSES).map(([code, reason]) => [Number(code), reason === 'ended' ? 'completed' : reason]),
    );
    expect(FINAL_CLOSE_CODES).toEqual(expected);
    expect(FINAL_CLOSE_CODES[CLOSE.ended]).toBe('completed');
    expect(FINAL_CLOSE_CODES[CLOSE.going_away]).toBeUndefined();
  });
});
