import { useState } from 'react';
import type { HostAuth, HostFacts } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { formatKiB } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { keyChangeOf, ReviewKeyDialog, type KeyChange } from './ReviewKeyDialog';
import { hasWords, problemText, TechnicalDetails } from './HostProblem';
import { accelText } from './accel';
import { addHost, testHost } from '../../api/hosts';
import { Field } from '../../components/Field';
import { PanelForm } from '../../components/PanelForm';

interface Form {
  address: string;
  user: string;
  port: string;
  auth: HostAuth;
  keyPath: string;
  password: string;
  savePassword: boolean;
  name: string;
  tags: string;
}

const EMPTY: Form = { address: '', user: '', port: '', auth: 'auto', keyPath: '', password: '', savePassword: false, name: '', tags: '' };

/** The host's key awaiting the user's decision (HOST_KEY_UNKNOWN). */
interface KeyQuestion {
  fingerprint: string;
  keyType: string;
  then: 'test' | 'add';
}

export function AddHostForm({ onDone }: { onDone: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [form, setForm] = useState<Form>(EMPTY);
  const [accepted, setAccepted] = useState<string | undefined>();
  const [replacing, setReplacing] = useState<{ previous: string; next: string } | undefined>();
  const [review, setReview] = useState<{ change: KeyChange; then: 'test' | 'add' } | null>(null);
  const [busy, setBusy] = useState<'test' | 'add' | null>(null);
  const [facts, setFacts] = useState<HostFacts | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const [question, setQuestion] = useState<KeyQuestion | null>(null);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  const target = (acceptHostKey = accepted, replaceHostKey = replacing) => ({
    address: form.address.trim(),
    ...(form.user.trim() ? { user: form.user.trim() } : {}),
    ...(form.port.trim() ? { port: Number(form.port) } : {}),
    auth: form.auth,
    ...(form.auth === 'key' && form.keyPath.trim() ? { keyPath: form.keyPath.trim() } : {}),
    ...(form.auth === 'password' && form.password ? { password: form.password, savePassword: form.savePassword } : {}),
    ...(acceptHostKey ? { acceptHostKey } : {}),
    ...(replaceHostKey ? { replaceHostKey } : {}),
  });

  async function run(what: 'test' | 'add', acceptHostKey?: string, replaceHostKey?: { previous: string; next: string }) {
    setBusy(what);
    setError(null);
    setQuestion(null);
    try {
      if (what === 'test') {
        setFacts(await testHost(target(acceptHostKey, replaceHostKey)));
      } else {
        const tags = form.tags.split(',').map((s) => s.trim()).filter(Boolean);
        await addHost({ ...target(acceptHostKey, replaceHostKey), ...(form.name.trim() ? { name: form.name.trim() } : {}), tags });
        setForm(EMPTY);
        onDone();
      }
    } catch (err) {
      const e = HangarError.from(err);
      const change = keyChangeOf(e.toData());
      if (e.code === 'HOST_KEY_UNKNOWN' && typeof e.details?.fingerprint === 'string') {
        setQuestion({ fingerprint: e.details.fingerprint, keyType: String(e.details.keyType ?? ''), then: what });
      } else if (change) {
        setError(e);
        setReview({ change, then: what });
      } else setError(e);
    } finally {
      setBusy(null);
    }
  }

  function trust() {
    if (!question) return;
    setAccepted(question.fingerprint);
    void run(question.then, question.fingerprint);
  }

  return (
    <PanelForm title={t('hosts.add.title')} testId="add-host-form" onSubmit={() => void run('add')}>
      <Field label={t('hosts.add.address')}>
        <input data-testid="host-address" required value={form.address} onChange={(e) => set('address', e.target.value)} placeholder="10.0.0.5 / kvm01.example.com" />
      </Field>
      <Field label={t('hosts.add.user')}>
        <input data-testid="host-user" value={form.user} onChange={(e) => set('user', e.target.value)} placeholder="root" />
      </Field>
      <Field label={t('hosts.add.port')}>
        <input data-testid="host-port" inputMode="numeric" value={form.port} onChange={(e) => set('port', e.target.value.replace(/\D/g, ''))} placeholder="22" />
      </Field>
      <Field label={t('hosts.add.auth')}>
        <select data-testid="host-auth" value={form.auth} onChange={(e) => set('auth', e.target.value as HostAuth)}>
          <option value="auto">{t('hosts.auth.auto')}</option>
          <option value="key">{t('hosts.auth.key')}</option>
          <option value="password">{t('hosts.auth.password')}</option>
        </select>
      </Field>
      {form.auth === 'key' && (
        <Field label={t('hosts.add.keyPath')}>
          <input data-testid="host-key-path" value={form.keyPath} onChange={(e) => set('keyPath', e.target.value)} placeholder="~/.ssh/id_ed25519" />
        </Field>
      )}
      {form.auth === 'password' && (
        <>
          <Field label={t('hosts.add.password')}>
            <input data-testid="host-password" type="password" autoComplete="off" value={form.password} onChange={(e) => set('password', e.target.value)} />
          </Field>
          <label className="check">
            <input type="checkbox" checked={form.savePassword} onChange={(e) => set('savePassword', e.target.checked)} />
            {t('hosts.add.savePassword')}
          </label>
        </>
      )}
      <Field label={t('hosts.add.name')}>
        <input data-testid="host-name" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder={form.address || 'kvm01'} />
      </Field>
      <Field label={t('hosts.add.tags')}>
        <input data-testid="host-tags" value={form.tags} onChange={(e) => set('tags', e.target.value)} placeholder="rack-a, gpu" />
      </Field>

      {question && (
        <div className="banner warn span-all" role="alert" data-testid="host-key-question">
          <p>{t('hosts.key.unknown', { keyType: question.keyType })}</p>
          <p className="mono" data-testid="host-key-fingerprint">{question.fingerprint}</p>
          <p className="muted small">{t('hosts.key.compare')}</p>
          <button type="button" className="btn btn-primary" data-testid="trust-host-key" onClick={trust}>
            {t('hosts.key.trust')}
          </button>
        </div>
      )}
      {error && (
        <div className="banner error span-all" role="alert" data-testid="add-host-error">
          <p>{problemText(t, error.toData())}</p>
          {keyChangeOf(error.toData()) && (
            <button type="button" className="btn btn-small btn-primary" data-testid="review-key" onClick={() => setReview({ change: keyChangeOf(error.toData())!, then: 'add' })}>
              {t('hosts.reviewKey')}
            </button>
          )}
          {hasWords(error.toData()) && <TechnicalDetails message={error.message} />}
        </div>
      )}
      {review && (
        <ReviewKeyDialog
          name={form.name.trim() || form.address.trim()}
          change={review.change}
          onClose={() => setReview(null)}
          onReplace={async () => {
            const pair = { previous: review.change.previous, next: review.change.next };
            setReplacing(pair);
            setReview(null);
            await run(review.then, accepted, pair);
          }}
        />
      )}
      {facts && (
        <dl className="about span-all" data-testid="host-facts">
          <dt>{t('hosts.facts.hostname')}</dt>
          <dd>{facts.hostname}</dd>
          <dt>{t('hosts.facts.versions')}</dt>
          <dd>libvirt {facts.libvirtVersion} · QEMU {facts.hypervisorVersion}</dd>
          <dt>{t('hosts.facts.kvm')}</dt>
          <dd>{accelText(t, facts)}</dd>
          <dt>{t('hosts.facts.cpu')}</dt>
          <dd>
            {facts.cpus} × {facts.cpuModel}
          </dd>
          <dt>{t('hosts.facts.memory')}</dt>
          <dd>{formatKiB(facts.memoryKiB, lang)}</dd>
          <dt>{t('hosts.facts.pools')}</dt>
          <dd>{facts.pools.map((p) => p.name).join(', ') || '—'}</dd>
          <dt>{t('hosts.facts.networks')}</dt>
          <dd>{facts.networks.map((n) => n.name).join(', ') || '—'}</dd>
        </dl>
      )}
      <div className="actions span-all">
        <button type="button" className="btn" disabled={!form.address || busy !== null} onClick={() => void run('test')} data-testid="test-host">
          {busy === 'test' ? t('hosts.add.testing') : t('hosts.add.test')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={!form.address || busy !== null} data-testid="submit-host">
          {busy === 'add' ? t('hosts.add.adding') : t('hosts.add.submit')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </PanelForm>
  );
}
