import { useEffect, useId, useMemo, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';

function CameraIcon() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round">
      <path d="M3 8h4l2-3h6l2 3h4v11H3z" />
      <circle cx="12" cy="13" r="4" />
    </svg>
  );
}

function TrashIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
      <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" />
    </svg>
  );
}

export interface PickedPhoto { key: number; file: File }

let nextKey = 1;
export const toPicked = (files: FileList | null): PickedPhoto[] => [...(files ?? [])].map((file) => ({ key: nextKey++, file }));

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** Object URLs for the picked files, released when they go away. */
function useObjectUrls(photos: PickedPhoto[]): Map<number, string> {
  const urls = useMemo(() => new Map(photos.map((p) => [p.key, URL.createObjectURL(p.file)])), [photos]);
  useEffect(() => () => {
    for (const u of urls.values()) URL.revokeObjectURL(u);
  }, [urls]);
  return urls;
}

/**
 * The camera field: each tap takes (or picks) photos, which join the list in order; each page
 * can be moved up or down or removed. The first page is page 1 of the document.
 */
export function PhotoPicker({ id, label, hint, photos, onChange, multiple = true, error, testid }: {
  id: string; label: string; hint?: string; photos: PickedPhoto[]; onChange: (p: PickedPhoto[]) => void;
  multiple?: boolean; error?: string | undefined; testid: string;
}) {
  const { t } = useTranslation();
  const urls = useObjectUrls(photos);
  const hintId = useId();
  const errId = useId();
  const add = (e: ChangeEvent<HTMLInputElement>) => {
    const picked = toPicked(e.target.files);
    e.target.value = '';
    if (picked.length) onChange(multiple ? [...photos, ...picked] : picked.slice(0, 1));
  };
  const move = (i: number, d: -1 | 1) => {
    const next = [...photos];
    const [p] = next.splice(i, 1);
    next.splice(i + d, 0, p!);
    onChange(next);
  };
  return (
    <div className="m-field" data-testid={testid}>
      <span className="m-label" id={`${id}-label`}>{label}</span>
      {hint && <p className="m-hint" id={hintId}>{hint}</p>}
      {photos.length > 0 && (
        <ol className="m-photos" aria-labelledby={`${id}-label`}>
          {photos.map((p, i) => (
            <li key={p.key} className="m-photo" data-testid="picked-photo">
              <img src={urls.get(p.key)} alt={multiple ? t('apply.pageAlt', { n: i + 1 }) : label} />
              <div className="m-photo-info">
                <strong>{multiple ? t('apply.pageN', { n: i + 1 }) : p.file.name}</strong>
                <span className="m-hint">{formatBytes(p.file.size)}</span>
              </div>
              <div className="m-photo-actions">
                {multiple && (
                  <>
                    <button type="button" className="m-icon-btn" disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('apply.moveUp', { n: i + 1 })}>↑</button>
                    <button type="button" className="m-icon-btn" disabled={i === photos.length - 1} onClick={() => move(i, 1)} aria-label={t('apply.moveDown', { n: i + 1 })}>↓</button>
                  </>
                )}
                <button type="button" className="m-icon-btn m-danger" onClick={() => onChange(photos.filter((x) => x.key !== p.key))}
                  aria-label={multiple ? t('apply.removePage', { n: i + 1 }) : t('apply.removePhoto')}><TrashIcon /></button>
              </div>
            </li>
          ))}
        </ol>
      )}
      <label className="m-camera" htmlFor={id}>
        <CameraIcon /> {photos.length && multiple ? t('apply.addMore') : t('apply.takePhoto')}
      </label>
      <input id={id} className="m-file" type="file" accept="image/*" capture="environment" multiple={multiple}
        aria-labelledby={`${id}-label`} aria-describedby={[hint ? hintId : '', error ? errId : ''].join(' ').trim() || undefined}
        aria-invalid={!!error} onChange={add} />
      {error && <p className="m-error" id={errId}>{error}</p>}
    </div>
  );
}
