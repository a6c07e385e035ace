export function electronBinary(root?: string): { path: string } | { missing: string };
export function tryInstallElectron(root?: string, timeoutMs?: number): Promise<boolean>;
