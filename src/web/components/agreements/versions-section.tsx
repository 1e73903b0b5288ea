/**
 * Approved versions: number, when and by whom, the SHA-256 of the canonical JSON, a download of
 * that JSON, and what changed from the version before. The ledger check (GET /ledger/verify)
 * shows as a badge.
 */
import { useState } from 'react';
import { Badge, Button, Code, CopyButton, Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { apiUrl } from '../../api';
import { formatDateTime, formatInt } from '../../format';
import { useCan } from '../../session';
import { Section } from '../page-header';
import { Empty, QueryError, TableSkeleton } from '../query-state';
import { DownloadButton } from '../download-button';
import { IconShieldCheck, IconShieldX } from './agreement-bits';
import { useAgreementVersions, useLedgerVerification } from './agreement-queries';
import { ChangesView } from './changes-view';

export function LedgerBadge() {
  const canVerify = useCan('ledger:verify');
  const ledger = useLedgerVerification(canVerify);
  if (!canVerify) return null;
  if (ledger.isPending)
    return (
      <Badge variant="light" color="gray" size="lg">
        Checking the ledger…
      </Badge>
    );
  if (ledger.isError)
    return (
      <Badge variant="light" color="gray" size="lg">
        Ledger check unavailable
      </Badge>
    );
  const { ok, entries, headHash, firstBroken } = ledger.data;
  return (
    <Tooltip
      multiline
      w={300}
      label={
        ok
          ? `All ${formatInt(entries)} entries of the hash chain check out. Head ${headHash.slice(0, 16)}…`
          : `Entry ${firstBroken?.seq ?? '?'} (${firstBroken?.entityType ?? ''} ${firstBroken?.entityId ?? ''}, ${firstBroken?.action ?? ''}): ${firstBroken?.reason ?? 'broken'}`
      }
    >
      <Badge
        variant="light"
        color={ok ? 'teal' : 'red'}
        size="lg"
        leftSection={ok ? <IconShieldCheck size={14} /> : <IconShieldX size={14} />}
        data-testid="ledger-badge"
        data-ok={ok}
      >
        {ok
          ? `Ledger verified · ${formatInt(entries)} entries`
          : `Ledger broken at entry ${firstBroken?.seq ?? '?'}`}
      </Badge>
    </Tooltip>
  );
}

export function VersionsSection({ agreementId }: { agreementId: number }) {
  const versions = useAgreementVersions(agreementId);
  const [openNo, setOpenNo] = useState<number | null>(null);
  return (
    <Section
      title="Versions"
      description="Every approved state, hashed (SHA-256 of its canonical JSON) and chained in the ledger"
      actions={<LedgerBadge />}
    >
      {versions.isError ? (
        <QueryError error={versions.error} onRetry={() => void versions.refetch()} />
      ) : versions.isPending ? (
        <TableSkeleton rows={2} />
      ) : versions.data.length === 0 ? (
        <Empty
          title="No approved version yet"
          description="A version is recorded when the OEM approves the agreement or an amendment."
        />
      ) : (
        <Stack gap="xs" data-testid="versions">
          {[...versions.data].reverse().map((v) => {
            const isOpen = openNo === v.versionNo;
            return (
              <Paper key={v.versionNo} withBorder p="sm">
                <Group justify="space-between" gap="xs" align="flex-start">
                  <div style={{ minWidth: 0, flex: '1 1 240px' }}>
                    <Group gap={6}>
                      <Text fw={700}>Version {v.versionNo}</Text>
                      <Text size="sm" c="dimmed">
                        {formatDateTime(v.createdAt)}
                        {v.approvedBy ? ` · approved by ${v.approvedBy}` : ''}
                      </Text>
                    </Group>
                    <Group gap={4} wrap="nowrap" mt={2}>
                      <Text size="xs" c="dimmed">
                        SHA-256
                      </Text>
                      <CopyButton value={v.sha256}>
                        {({ copied, copy }) => (
                          <Tooltip label={copied ? 'Copied' : 'Copy the hash'}>
                            <Code
                              onClick={copy}
                              style={{ cursor: 'pointer', overflowWrap: 'anywhere' }}
                              fz="xs"
                            >
                              {v.sha256}
                            </Code>
                          </Tooltip>
                        )}
                      </CopyButton>
                    </Group>
                  </div>
                  <Group gap="xs">
                    {v.versionNo > 1 && (
                      <Button
                        size="xs"
                        variant="subtle"
                        onClick={() => setOpenNo(isOpen ? null : v.versionNo)}
                        aria-expanded={isOpen}
                      >
                        {isOpen ? 'Hide changes' : `What changed (${v.changes.length})`}
                      </Button>
                    )}
                    <DownloadButton
                      href={apiUrl(`/agreements/${agreementId}/versions/${v.versionNo}`)}
                      download={`${v.agreementCode}-v${v.versionNo}.json`}
                      size="xs"
                    >
                      JSON
                    </DownloadButton>
                  </Group>
                </Group>
                {v.versionNo === 1 && (
                  <Text size="xs" c="dimmed" mt={4}>
                    The first approved terms: {v.terms.lines.length} lines over{' '}
                    {v.terms.periods.length} periods.
                  </Text>
                )}
                {isOpen && (
                  <Stack mt="xs" gap={4}>
                    <Text size="xs" c="dimmed">
                      From version {v.versionNo - 1} to {v.versionNo}:
                    </Text>
                    <ChangesView changes={v.changes} terms={[v.terms]} />
                  </Stack>
                )}
              </Paper>
            );
          })}
          <Text size="xs" c="dimmed">
            Anyone can check a download: its SHA-256 (e.g. <Code fz="xs">sha256sum</Code>) equals
            the hash above and the x-content-sha256 header of the download.
          </Text>
        </Stack>
      )}
    </Section>
  );
}
