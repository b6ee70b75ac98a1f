import { fieldsToRecord } from './schemas.js';

/** The one Redis call consumerGroupLag needs (an ioredis client has it). */
export interface XinfoClient {
  xinfo(subcommand: 'GROUPS', key: string): Promise<unknown>;
}

/** Entries no worker has taken yet in a stream's consumer group (Redis 7 reports it as `lag`). */
export async function consumerGroupLag(redis: XinfoClient, stream: string, group: string): Promise<number> {
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
  for (const g of groups) {
    const info = fieldsToRecord(g.map(String));
    if (String(info.name) === group) return Number(info.lag ?? 0) || 0;
  }
  return 0;
}
