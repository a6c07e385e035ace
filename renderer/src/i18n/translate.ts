import type { Language, Message } from '../../../engine/contract';
import { en, type MessageKey } from './en';
import { ko } from './ko';

const catalogs: Record<Language, Record<MessageKey, string>> = { en, ko };

export type Translate = (key: MessageKey, args?: Record<string, string | number>) => string;

function interpolate(text: string, args?: Record<string, string | number>): string {
  return args ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in args ? String(args[name]) : m)) : text;
}

export function translator(lang: Language): Translate {
  const catalog = catalogs[lang];
  return (key, args) => interpolate(catalog[key] ?? en[key] ?? key, args);
}

/** Engine-sent text (job titles, steps) is a Message; an unknown key shows as itself, never blank. */
export function translateMessage(t: Translate, msg: Message): string {
  const known = msg.key in en;
  return known ? t(msg.key as MessageKey, msg.args) : interpolate(msg.key, msg.args);
}

export type { MessageKey };
