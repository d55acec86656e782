import { CID } from 'multiformats/cid';
import { base32 } from 'multiformats/bases/base32';

export interface GatewayLinks {
  gateway: string;
  /** `https://<gateway>/ipfs/<cid>/`: works on every gateway. */
  path: string;
  /** `https://<cidv1-base32>.ipfs.<gateway>/`: an origin per site, where the gateway supports it. */
  subdomain: string;
}

export interface PublicationLinks {
  cid: string;
  /** `ipfs://<cid>/`, for browsers and extensions that speak IPFS natively. */
  native: string;
  gateways: GatewayLinks[];
}

/** Links to the publication for every configured gateway (several: single gateways get blocked). */
export function gatewayLinks(cid: CID, gateways: readonly string[]): PublicationLinks {
  // Subdomains are case-insensitive, so they need base32 CIDv1 (a CIDv0 is base58, case-sensitive).
  const v1 = cid.toV1().toString(base32);
  return {
    cid: v1,
    native: `ipfs://${v1}/`,
    gateways: gateways.map((gateway) => ({
      gateway,
      path: `https://${gateway}/ipfs/${v1}/`,
      subdomain: `https://${v1}.ipfs.${gateway}/`,
    })),
  };
}
