/** The farm's fairness policy (server/farm/fair-share.ts), as pure logic: levels become BullMQ priorities. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairShare, MAX_PRIORITY } from '../../../server/farm/fair-share';

/** The order BullMQ takes waiting jobs in: lowest priority first, then the order they were added. */
const takeOrder = (jobs: Array<{ id: string; level: number }>) =>
  jobs.map((j, i) => ({ ...j, i })).sort((a, b) => a.level - b.level || a.i - b.i).map((j) => j.id);

test('a client\'s runs take consecutive levels; another client enters at the level being served', () => {
  const fair = new FairShare();
  const jobs = Array.from({ length: 8 }, (_, i) => ({ id: `A${i + 1}`, level: fair.assign(`A${i + 1}`, 'A') }));
  assert.deepEqual(jobs.map((j) => j.level), [1, 2, 3, 4, 5, 6, 7, 8]);
  fair.started('A1'); // a worker took A1
  jobs.shift();
  jobs.push({ id: 'B1', level: fair.assign('B1', 'B') });
  assert.equal(jobs.at(-1)!.level, 1);
  assert.deepEqual(takeOrder(jobs), ['B1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
});

test('when A\'s first run started before A queued the rest, B shares the first level with A\'s next run', () => {
  const fair = new FairShare();
  fair.assign('A1', 'A');
  fair.started('A1'); // nothing waits any more: the levels start again
  const jobs = Array.from({ length: 7 }, (_, i) => ({ id: `A${i + 2}`, level: fair.assign(`A${i + 2}`, 'A') }));
  jobs.push({ id: 'B1', level: fair.assign('B1', 'B') });
  assert.deepEqual(takeOrder(jobs), ['A2', 'B1', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
});

test('clients with backlogs take turns (round-robin), FIFO within each client', () => {
  const fair = new FairShare();
  const jobs: Array<{ id: string; level: number }> = [];
  for (let i = 1; i <= 4; i++) jobs.push({ id: `A${i}`, level: fair.assign(`A${i}`, 'A') });
  for (let i = 1; i <= 3; i++) jobs.push({ id: `B${i}`, level: fair.assign(`B${i}`, 'B') });
  jobs.push({ id: 'C1', level: fair.assign('C1', undefined) });
  assert.deepEqual(takeOrder(jobs), ['A1', 'B1', 'C1', 'A2', 'B2', 'A3', 'B3', 'A4']);
});

test('a run submitted later enters at the current round: it never waits behind levels already passed', () => {
  const fair = new FairShare();
  for (let i = 1; i <= 5; i++) fair.assign(`A${i}`, 'A');
  for (const id of ['A1', 'A2', 'A3']) fair.started(id);
  assert.equal(fair.assign('B1', 'B'), 3, 'B enters at round 3, ahead of A4 (4) and A5 (5)');
  assert.equal(fair.assign('B2', 'B'), 4, 'then shares level 4 with A4, which was added first');
});

test('levels start again at 1 once nothing waits, and never exceed BullMQ\'s largest priority', () => {
  const fair = new FairShare();
  fair.assign('A1', 'A');
  fair.assign('A2', 'A');
  fair.started('A1');
  fair.forget('A2'); // removed from the queue
  assert.equal(fair.size, 0);
  assert.equal(fair.assign('A3', 'A'), 1);
  const many = new FairShare();
  let level = 0;
  for (let i = 0; i < MAX_PRIORITY + 2; i++) level = many.assign(`R${i}`, 'A');
  assert.equal(level, MAX_PRIORITY);
});
