import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { enSealUse } from './en-seal-use';
import { enDevices } from './en-devices';
import { mergeDicts } from './merge';
import { zh } from './zh';
import { zhSealUse } from './zh-seal-use';
import { zhDevices } from './zh-devices';

export type Lang = 'zh-CN' | 'en';
const KEY = 'cz_lang';

function stored(): Lang {
  try {
    const v = window.localStorage.getItem(KEY);
    if (v === 'en' || v === 'zh-CN') return v;
  } catch {
    // storage blocked: keep the default
  }
  return 'zh-CN';
}

void i18next.use(initReactI18next).init({
  resources: {
    'zh-CN': { translation: mergeDicts(mergeDicts(zh, zhSealUse), zhDevices) },
    en: { translation: mergeDicts(mergeDicts(en, enSealUse), enDevices) },
  },
  lng: stored(),
  fallbackLng: 'zh-CN',
  initAsync: false,
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18next.language;

export function currentLang(): Lang {
  return i18next.language === 'en' ? 'en' : 'zh-CN';
}

/** Switches the language, remembers it on this device and updates <html lang>. */
export function setLang(lang: Lang): void {
  try {
    window.localStorage.setItem(KEY, lang);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = lang;
  void i18next.changeLanguage(lang);
}

export function formatTime(iso: string | null | undefined, withTime = true): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLang(), withTime
    ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }
    : { year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

export default i18next;
