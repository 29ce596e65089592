import { describe, expect, it } from 'vitest';
import { outputSearchText } from './actions';

describe('the Overview search as output search text', () => {
  it('drops the history filters and quotes, keeps the words as one line', () => {
    expect(outputSearchText('  disk   full ')).toBe('disk full');
    expect(outputSearchText('"disk full" status:failed host:web-1')).toBe('disk full');
    expect(outputSearchText('STATUS:failed Host:db')).toBe('');
    expect(outputSearchText('status:')).toBe('');
    // A word that only contains a filter's name stays.
    expect(outputSearchText('mystatus:ok')).toBe('mystatus:ok');
    expect(outputSearchText('x'.repeat(300))).toHaveLength(200);
  });
});
