import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import * as Video from 'twilio-video';
import { FALLBACK_PALETTE, paletteOf } from '../src/components/theme';
import { ActionButton, flexUiOf, UiScope } from '../src/components/ui';
import { VideoBadge } from '../src/components/VideoBadge';
import { VideoEscalationButton } from '../src/components/VideoEscalationButton';
import { VideoTab } from '../src/components/VideoTab';
import { EscalationStore } from '../src/escalationStore';
import { VideoSessions } from '../src/video/session';
import { createFlexDouble, DARK_THEME } from './flexDouble';
import { FakeRoom } from './fakeVideo';
import { CC, makeEscalation, makeServices, makeTask } from './helpers';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

function fakeClient() {
  return {
    createEscalation: vi.fn().mockResolvedValue({ escalation: makeEscalation(), replayed: false, status: 201 }),
    getEscalation: vi.fn().mockResolvedValue(makeEscalation()),
    completeEscalation: vi.fn().mockResolvedValue(makeEscalation({ status: 'completed' })),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(),
    createAgentToken: vi.fn(),
  };
}

describe('paletteOf', () => {
  it('takes each colour from the Flex theme’s Paste tokens', () => {
    expect(paletteOf(DARK_THEME)).toEqual({
      primary: 'rgb(1, 2, 3)',
      onPrimary: 'rgb(7, 8, 9)',
      destructive: 'rgb(4, 5, 6)',
      text: 'rgb(244, 244, 246)',
      textWeak: 'rgb(200, 200, 210)',
      error: 'rgb(250, 100, 100)',
      border: 'rgb(60, 60, 70)',
      radius: '6px',
      fromTheme: true,
    });
  });

  it('falls back to Paste’s default values (and inherited text colour) without a theme, or for tokens a theme lacks', () => {
    expect(paletteOf(undefined)).toBe(FALLBACK_PALETTE);
    expect(paletteOf(null)).toBe(FALLBACK_PALETTE);
    // emotion's withTheme without a provider gives {}
    expect(paletteOf({})).toBe(FALLBACK_PALETTE);
    expect(FALLBACK_PALETTE).toMatchObject({ primary: 'rgb(2, 99, 224)', destructive: 'rgb(214, 31, 31)', text: 'inherit' });
    const partial = paletteOf({ tokens: { backgroundColors: { colorBackgroundPrimary: 'rgb(9, 9, 9)' } } });
    expect(partial.primary).toBe('rgb(9, 9, 9)');
    expect(partial.destructive).toBe(FALLBACK_PALETTE.destructive);
    expect(partial.fromTheme).toBe(true);
  });
});

describe('buttons', () => {
  it('without Flex’s Button: plain buttons coloured from the theme’s tokens', () => {
    const store = new EscalationStore({ client: fakeClient(), contactCenterId: CC });
    render(<VideoTab task={makeTask()} services={makeServices(store)} theme={DARK_THEME} />);
    const start = screen.getByRole('button', { name: 'Switch to video' });
    expect(start.tagName).toBe('BUTTON');
    expect(start.getAttribute('data-variant')).toBe('primary');
    expect(start.style.background).toBe('rgb(1, 2, 3)');
    expect(start.style.color).toBe('rgb(7, 8, 9)');
    expect(start.style.borderRadius).toBe('6px');
  });

  it('without Flex’s Button and without a theme: the fallback colours', () => {
    const store = new EscalationStore({ client: fakeClient(), contactCenterId: CC });
    render(<VideoTab task={makeTask()} services={makeServices(store)} />);
    const start = screen.getByRole('button', { name: 'Switch to video' });
    expect(start.style.background).toBe('rgb(2, 99, 224)');
    expect(start.style.color).toBe('rgb(255, 255, 255)');
  });

  it('with Flex’s Button and IconButton: those, with Flex’s variants and no colours of the plugin’s', async () => {
    const ui = flexUiOf(createFlexDouble());
    expect(ui.Button).toBeDefined();
    expect(ui.IconButton).toBeDefined();
    const store = new EscalationStore({ client: fakeClient(), contactCenterId: CC });
    const services = { ...makeServices(store), ui };
    const task = makeTask();
    render(<VideoTab task={task} services={services} theme={DARK_THEME} />);
    const start = screen.getByRole('button', { name: 'Switch to video' });
    expect(start.getAttribute('data-flex')).toBe('Button');
    expect(start.getAttribute('data-flex-variant')).toBe('primary');
    expect(start.getAttribute('style')).toBeNull();

    render(<VideoEscalationButton task={task} services={services} />);
    const header = screen.getAllByRole('button', { name: 'Switch to video' }).find((b) => b.getAttribute('data-flex') === 'IconButton')!;
    expect(header.getAttribute('data-icon')).toBe('Video');
    expect(header.getAttribute('data-flex-variant')).toBe('secondary');
    expect(header.hasAttribute('aria-pressed')).toBe(false);
  });

  it('ignores a click on a disabled Flex Button (Flex marks it aria-disabled, still focusable)', () => {
    const ui = flexUiOf(createFlexDouble());
    const onClick = vi.fn();
    render(
      <UiScope ui={ui}>
        <ActionButton onClick={onClick} disabled>
          End video
        </ActionButton>
      </UiScope>,
    );
    const button = screen.getByRole('button', { name: 'End video' });
    expect(button.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(button);
    expect(onClick).not.toHaveBeenCalled();
  });

  it('flexUiOf takes only components, and nothing from a Flex without them', () => {
    expect(flexUiOf(undefined)).toEqual({ Button: undefined, IconButton: undefined });
    expect(flexUiOf({ Button: 'not a component', IconButton: 42 })).toEqual({ Button: undefined, IconButton: undefined });
    const forwardRef = React.forwardRef<HTMLButtonElement>(function B(_p, ref) {
      return <button ref={ref} />;
    });
    expect(flexUiOf({ IconButton: forwardRef }).IconButton).toBe(forwardRef);
  });

  it('Mute and camera are plain buttons whose label says the action (never aria-pressed)', async () => {
    const store = new EscalationStore({ client: fakeClient(), contactCenterId: CC });
    const sessions = new VideoSessions();
    const task = makeTask();
    await store.escalate(task);
    vi.mocked(Video.connect).mockResolvedValue(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room);
    render(<VideoTab task={task} services={makeServices(store, sessions)} theme={DARK_THEME} />);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    const mute = await screen.findByRole('button', { name: 'Mute' });
    expect(mute.hasAttribute('aria-pressed')).toBe(false);
    fireEvent.click(mute);
    const unmute = screen.getByRole('button', { name: 'Unmute' });
    expect(unmute.hasAttribute('aria-pressed')).toBe(false);
    expect(screen.getByRole('button', { name: 'Turn camera off' }).hasAttribute('aria-pressed')).toBe(false);
    // End video in the theme's destructive colour.
    expect(screen.getByRole('button', { name: 'End video' }).style.background).toBe('rgb(4, 5, 6)');
    sessions.leaveAll();
  });
});

describe('VideoBadge', () => {
  it('takes its colours from the theme given, else the fallbacks', async () => {
    const store = new EscalationStore({ client: fakeClient(), contactCenterId: CC });
    const sessions = new VideoSessions();
    const task = makeTask();
    vi.mocked(Video.connect).mockResolvedValue(new FakeRoom('r') as unknown as Video.Room);
    await sessions.join(task.taskSid, { provider: 'twilio', token: 't', room_name: 'r', identity: 'agent:alice', expires_at: '', recording: false });
    const services = makeServices(store, sessions);
    const themed = render(<VideoBadge task={task} services={services} theme={DARK_THEME} />);
    expect(themed.getByTestId('video-badge').style.background).toBe('rgb(1, 2, 3)');
    themed.unmount();
    const plain = render(<VideoBadge task={task} services={services} />);
    expect(plain.getByTestId('video-badge').style.background).toBe('rgb(2, 99, 224)');
    sessions.leaveAll();
  });
});
