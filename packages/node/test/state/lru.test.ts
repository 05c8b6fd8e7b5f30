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
