import { useMemo } from 'react';
import { useEngine } from '../stores/engine-store';
import { translator, type Translate } from './translate';

export function useT(): Translate {
  const lang = useEngine((s) => s.settings.language);
  return useMemo(() => translator(lang), [lang]);
}
