/** The message of the UserError `fn` throws, checked to be one line; fails the test when `fn` throws nothing or something else. */
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

export function userErrorOf(fn: () => unknown): string {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a UserError').toBeInstanceOf(UserError);
  const message = (err as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}
