import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from '../../src/state/lru.js';

describe('LruCache', () => {
  it('never holds more than its capacity', () => {
    for (const capacity of [1, 2, 3, 10, 101]) {
      const cache = new LruCache<number, number>(capacity);
      for (let i = 0; i < capacity * 5; i++) {
        cache.set(i, i);
        assert.ok(cache.size <= capacity, `capacity ${capacity}: size ${cache.size} after ${i + 1} inserts`);
      }
      assert.equal(cache.get(capacity * 5 - 1), capacity * 5 - 1, 'the latest entry is kept');
    }
  });

  it('keeps an entry that is read while others stream through, and evicts one that is not', () => {
    const cache = new LruCache<string, number>(100);
    cache.set('hot', 1);
    cache.set('cold', 2);
    for (let i = 0; i < 1000; i++) {
      cache.set(`k${i}`, i);
      assert.equal(cache.get('hot'), 1, `hot entry lost after ${i} inserts`);
    }
    assert.equal(cache.get('cold'), undefined);
  });

  it('peek reads without keeping an entry alive, and tells a stored null from an older value', () => {
    // Capacity 4: generations of 2. After two inserts, 'a' is in the old generation; two more push it out unless a
    // read brought it back into the young one.
    for (const read of ['peek', 'get'] as const) {
      const cache = new LruCache<string, number | null>(4);
      cache.set('a', 1);
      cache.set('x', null);
      assert.equal(cache[read]('a'), 1);
      cache.set('k0', 0);
      cache.set('k1', 1);
      assert.equal(cache.peek('a'), read === 'peek' ? undefined : 1, `after ${read}`);
    }
    // A null written over an older value in the other generation is what peek answers.
    const nulls = new LruCache<string, number | null>(4);
    nulls.set('a', 5);
    nulls.set('b', 6); // rotates: a is in the old generation
    nulls.set('a', null);
    assert.equal(nulls.peek('a'), null);
    assert.equal(nulls.peek('missing'), undefined);
  });

  it('returns the latest value written, delete and clear remove entries, capacity 0 keeps nothing', () => {
    const cache = new LruCache<string, string>(4);
    cache.set('a', 'old');
    cache.set('b', 'x');
    cache.set('c', 'y'); // rotates: a and b are now in the old generation
    cache.set('a', 'new');
    assert.equal(cache.get('a'), 'new');
    cache.delete('a');
    assert.equal(cache.get('a'), undefined);
    cache.clear();
    assert.equal(cache.size, 0);
    assert.equal(cache.get('c'), undefined);
    const none = new LruCache<string, string>(0);
    none.set('a', 'b');
    assert.equal(none.get('a'), undefined);
    assert.throws(() => new LruCache(-1), RangeError);
  });
});
