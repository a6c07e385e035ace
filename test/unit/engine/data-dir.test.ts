import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../../engine/data-dir';

describe('data directory', () => {
  it('follows each OS convention', () => {
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/Hangar');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/Hangar');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/Hangar');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\Hangar');
  });
  it('is overridden by HANGAR_DATA_DIR', () => {
    expect(defaultDataDir({ HANGAR_DATA_DIR: '/data/h' }, 'linux', '/home/u')).toBe('/data/h');
  });
});
