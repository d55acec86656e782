/**
 * The pin target types for the mirrors registry (src/mirrors/registry.ts registers them), and
 * the function that turns mirror files into PinTargets.
 */
import { AggregateInputError } from '../../errors.ts';
import { zodProblems } from '../../config/schema-problems.ts';
import { definePinHostType, type TypedMirrorConfig } from '../../mirrors/host-type.ts';
import type { MirrorConfig } from '../../mirrors/config.ts';
import type { MirrorEnv } from '../../mirrors/env.ts';
import { createKuboTarget, kuboSchema } from './kubo.ts';
import { createPinningServiceTarget, pinningServiceSchema } from './pinning-service.ts';
import { createS3CarTarget } from './s3-car.ts';
import type { PinTarget } from './types.ts';

export type { PinTarget, PinRequest, PinOutcome, PinCallOptions } from './types.ts';
export { PinMismatchError, PinFailedError } from './errors.ts';
export { KuboPinTarget, kuboSchema, sameCid } from './kubo.ts';
export { PinningServicePinTarget, pinningServiceSchema } from './pinning-service.ts';
export { S3CarImportTarget } from './s3-car.ts';

export const kuboPinType = definePinHostType({
  summary: 'A Kubo node (or IPFS Cluster through its Kubo-compatible proxy): the CAR is imported, the root pinned and checked, optionally published to IPNS and copied into MFS.',
  schema: kuboSchema,
  create: (config: TypedMirrorConfig<typeof kuboSchema>, context): PinTarget => createKuboTarget(config.name, config, context.env),
});

export const pinningServicePinType = definePinHostType({
  summary: 'An IPFS Pinning Service API (Pinata, Filebase): the CID is submitted with origins and polled until pinned.',
  schema: pinningServiceSchema,
  create: (config: TypedMirrorConfig<typeof pinningServiceSchema>, context): PinTarget => createPinningServiceTarget(config.name, config, context.env),
});

/** Pin target types by mirror `type`. */
export const pinTargetTypes = { kubo: kuboPinType, 'pinning-service': pinningServicePinType } as const;

/**
 * PinTargets for the enabled mirror files of a pin type. Each config is parsed with its type's
 * schema here too, so a caller that loaded the files another way still gets checked fields.
 */
export function pinTargetsFrom(configs: readonly MirrorConfig[], env: MirrorEnv): PinTarget[] {
  const targets: PinTarget[] = [];
  for (const config of configs) {
    if (config.enabled === false) continue;
    // An s3 mirror with importCar: its files are pushed as usual, and pin uploads the CAR there too.
    if (config.type === 's3' && config.importCar === true) {
      targets.push(createS3CarTarget(config, env));
      continue;
    }
    const entry = (pinTargetTypes as Record<string, (typeof pinTargetTypes)[keyof typeof pinTargetTypes]>)[config.type];
    if (!entry) continue;
    const parsed = entry.schema.safeParse(config);
    if (!parsed.success) {
      throw new AggregateInputError(`mirror ${config.name}: the ${config.type} settings have ${parsed.error.issues.length} problem(s)`, zodProblems(config.file, parsed.error), { file: config.file });
    }
    targets.push(entry.create!({ ...config, ...parsed.data } as never, { env }));
  }
  return targets;
}
