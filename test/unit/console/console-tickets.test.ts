import { describe, expect, it } from 'vitest';
import { ConsoleTickets } from '../../../engine/console/console-tickets';

describe('console tickets', () => {
  it('are single use', () => {
    const tickets = new ConsoleTickets<string>(() => {});
    const { ticket } = tickets.issue('h:vm1', 'bridge');
    expect(tickets.take(ticket, 'h:vm1')).toBe('bridge');
    expect(tickets.take(ticket, 'h:vm1')).toBeNull();
  });

  it('refuse a forged ticket', () => {
    const tickets = new ConsoleTickets<string>(() => {});
    tickets.issue('h:vm1', 'bridge');
    expect(tickets.take('forged', 'h:vm1')).toBeNull();
  });

  it('refuse another VM and burn the ticket', () => {
    const expired: string[] = [];
    const tickets = new ConsoleTickets<string>((v) => expired.push(v));
    const { ticket } = tickets.issue('h:vm1', 'bridge');
    expect(tickets.take(ticket, 'h:vm2')).toBeNull();
    expect(tickets.take(ticket, 'h:vm1')).toBeNull();
    expect(expired).toEqual(['bridge']);
  });

  it('refuse an expired ticket and release what it held', () => {
    let now = 1000;
    const expired: string[] = [];
    const tickets = new ConsoleTickets<string>((v) => expired.push(v), 30_000, () => now);
    const { ticket, expiresAt } = tickets.issue('h:vm1', 'bridge');
    expect(expiresAt).toBe(31_000);
    now = 31_001;
    expect(tickets.take(ticket, 'h:vm1')).toBeNull();
    expect(expired).toEqual(['bridge']);
  });
});
