import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Box, Button } from '@mantine/core';
import { DealerFormModal } from '../components/dealer-form';
import { DealersTable } from '../components/dealers-table';
import { IconPlus } from '../components/icons';
import { InboxCard } from '../components/inbox/inbox-card';
import { PageHeader } from '../components/page-header';
import { useDealerGroups } from '../queries';
import { isDealerUser, useCan, useMe } from '../session';

/** The dealers list: the OEM's whole network, or a dealer group principal's own dealers. */
export function DealersPage() {
  const me = useMe();
  const navigate = useNavigate();
  const canWrite = useCan('network:write');
  const [isCreating, setCreating] = useState(false);
  const isDealer = isDealerUser(me);
  const groups = useDealerGroups(isDealer);
  const group = groups.data?.find((g) => g.code === me.scope.label);
  return (
    <>
      <PageHeader
        title={isDealer ? 'My dealers' : 'Dealers'}
        description={
          isDealer
            ? `${group ? group.name : me.scope.label}: open a dealer to see its sales by model line.`
            : 'Every dealer you can see. Open one for its monthly actuals.'
        }
        actions={
          canWrite ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
              New dealer
            </Button>
          ) : undefined
        }
      />
      {isDealer && (
        <Box mb="lg">
          <InboxCard />
        </Box>
      )}
      <DealersTable isCompact={isDealer} />
      {isCreating && (
        <DealerFormModal
          isOpen
          onClose={() => setCreating(false)}
          onSaved={(dealer) => navigate(`/dealers/${encodeURIComponent(dealer.code)}`)}
        />
      )}
    </>
  );
}
