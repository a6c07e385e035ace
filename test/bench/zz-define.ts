import { readLabInfo } from '../lab/lab-info';
import { defineBulk, undefineBulk } from './bulk-domains';
const lab = readLabInfo();
const [cmd, prefix, n, hostsN] = process.argv.slice(2);
const hosts = lab.hosts.slice(0, Number(hostsN ?? 2));
const t = Date.now();
if (cmd === 'define') await defineBulk(lab, hosts, prefix!, Number(n), 'a1b3');
else await undefineBulk(lab, hosts, prefix!);
console.log(cmd, Date.now() - t, 'ms');
