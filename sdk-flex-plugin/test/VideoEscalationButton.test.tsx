import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { EscalationClient } from '../src/api/client';
import { VideoEscalationButton } from '../src/components/VideoEscalationButton';
import { EscalationStore } from '../src/escalationStore';
import type { PluginServices } from '../src/services';
import { VideoSessions } from '../src/video/session';
import { CC, deferred, jsonResponse, makeEscalation, makeServices, makeTask, problemResponse } from './helpers';

function setup(fetchImpl: ReturnType<typeof vi.fn>) {
  const onError = vi.fn();
  const client = new EscalationClient({
    baseUrl: 'https://video.example.com',
    getToken: () => 'flex-token',
    fetch: fetchImpl as unknown as typeof fetch,
    backoffMs: () => 0,
  });
  const store = new EscalationStore({ client, contactCenterId: CC, onError });
  const services: PluginServices = makeServices(store, new VideoSessions(), { onEscalated: vi.fn() });
  const task = makeTask();
  render(<VideoEscalationButton task={task} services={services} />);
  return { onError, services, task, button: screen.getByRole('button', { name: 'Switch to video' }) };
}

describe('VideoEscalationButton', () => {
  it('goes idle → loading (disabled, spinner) → done', async () => {
    const d = deferred<Response>();
    const fetchImpl = vi.fn().mockReturnValue(d.promise);
    const { button, services, task } = setup(fetchImpl);

    expect(button.getAttribute('data-phase')).toBe('idle');
    expect(screen.queryByTestId('spinner')).toBeNull();

    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('creating'));
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(button.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('spinner')).toBeTruthy();

    await act(async () => {
      d.resolve(jsonResponse(201, makeEscalation()));
    });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('open'));
    expect((button as HTMLButtonElement).disabled).toBe(false);
    // Not a toggle: pressing it again never switches video off, so no aria-pressed.
    expect(button.hasAttribute('aria-pressed')).toBe(false);
    expect(button.getAttribute('title')).toMatch(/Video tab/);
    expect(screen.queryByTestId('spinner')).toBeNull();
    expect(services.onEscalated).toHaveBeenCalledWith(task.taskSid);
    expect((task.attributes.videoEscalation as { escalationId: string }).escalationId).toBe(makeEscalation().id);
  });

  it('sends one request for a double click, with the task’s idempotency key', async () => {
    const d = deferred<Response>();
    const fetchImpl = vi.fn().mockReturnValue(d.promise);
    const { button, task } = setup(fetchImpl);
    fireEvent.click(button);
    fireEvent.click(button);
    await act(async () => {
      d.resolve(jsonResponse(201, makeEscalation()));
    });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('open'));
    fireEvent.click(button); // already open: nothing more to create
    await act(async () => undefined);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(fetchImpl.mock.calls[0][1].headers['Idempotency-Key']).toBe(`task:${task.taskSid}`);
  });

  it('shows the error state, reports the problem, and retries with the same key', async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(
        problemResponse(403, { title: 'Forbidden', detail: 'This Flex token is not for this contact center.', code: 'forbidden' }),
      )
      .mockResolvedValueOnce(jsonResponse(200, makeEscalation()));
    const { button, onError, task } = setup(fetchImpl);

    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('error'));
    expect((button as HTMLButtonElement).disabled).toBe(false);
    expect(button.getAttribute('title')).toMatch(/retry/);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toMatchObject({
      title: 'Forbidden',
      detail: 'This Flex token is not for this contact center.',
      status: 403,
    });

    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('open'));
    const keys = fetchImpl.mock.calls.map(([, init]) => init.headers['Idempotency-Key']);
    expect(keys).toEqual([`task:${task.taskSid}`, `task:${task.taskSid}`]);
  });
});
