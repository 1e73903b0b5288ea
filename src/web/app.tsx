import { lazy, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { Center, Loader } from '@mantine/core';
import type { Permission } from '../shared/permissions';
import { AppLayout } from './components/app-layout';
import { LoginPage } from './pages/login-page';
import { NoAccessPage, NotFoundPage } from './pages/not-found-page';
import { can, homePath, useSession } from './session';

// Pages load on demand: the charts (recharts) and forms stay out of the first download.
const NetworkOverviewPage = lazy(() =>
  import('./pages/network-overview-page').then((m) => ({ default: m.NetworkOverviewPage })),
);
const DealersPage = lazy(() =>
  import('./pages/dealers-page').then((m) => ({ default: m.DealersPage })),
);
const DealerPage = lazy(() =>
  import('./pages/dealer-page').then((m) => ({ default: m.DealerPage })),
);
const ModelLinesPage = lazy(() =>
  import('./pages/catalog/model-lines-page').then((m) => ({ default: m.ModelLinesPage })),
);
const SkusPage = lazy(() =>
  import('./pages/catalog/skus-page').then((m) => ({ default: m.SkusPage })),
);
const TransactionsPage = lazy(() =>
  import('./pages/transactions-page').then((m) => ({ default: m.TransactionsPage })),
);
const AvailabilityHomePage = lazy(() =>
  import('./pages/availability/availability-home').then((m) => ({ default: m.AvailabilityHome })),
);
const DealerAvailabilityPage = lazy(() =>
  import('./pages/availability/dealer-availability-page').then((m) => ({
    default: m.DealerAvailabilityPage,
  })),
);
const AllocationPage = lazy(() =>
  import('./pages/availability/allocation-page').then((m) => ({ default: m.AllocationPage })),
);
const UsersPage = lazy(() =>
  import('./pages/admin/users-page').then((m) => ({ default: m.UsersPage })),
);
const ApiKeysPage = lazy(() =>
  import('./pages/admin/api-keys-page').then((m) => ({ default: m.ApiKeysPage })),
);
const AuditLogPage = lazy(() =>
  import('./pages/admin/audit-log-page').then((m) => ({ default: m.AuditLogPage })),
);
const WebhooksPage = lazy(() =>
  import('./pages/webhooks/webhooks-page').then((m) => ({ default: m.WebhooksPage })),
);
const BankDetailsPage = lazy(() =>
  import('./pages/payments/bank-details-page').then((m) => ({ default: m.BankDetailsPage })),
);
const SustainabilityPage = lazy(() =>
  import('./pages/sustainability/sustainability-page').then((m) => ({
    default: m.SustainabilityPage,
  })),
);
const VehicleDataPage = lazy(() =>
  import('./pages/sustainability/vehicle-data-page').then((m) => ({ default: m.VehicleDataPage })),
);
const RegulationsPage = lazy(() =>
  import('./pages/sustainability/regulations-page').then((m) => ({ default: m.RegulationsPage })),
);
const ConnectedPage = lazy(() =>
  import('./pages/connected/connected-page').then((m) => ({ default: m.ConnectedPage })),
);
const SettingsPage = lazy(() =>
  import('./pages/admin/settings-page').then((m) => ({ default: m.SettingsPage })),
);
const AgreementsPage = lazy(() =>
  import('./pages/agreements/agreements-page').then((m) => ({ default: m.AgreementsPage })),
);
const AgreementPage = lazy(() =>
  import('./pages/agreements/agreement-page').then((m) => ({ default: m.AgreementPage })),
);
const AgreementEditorPage = lazy(() =>
  import('./pages/agreements/agreement-editor-page').then((m) => ({
    default: m.AgreementEditorPage,
  })),
);

const DealerIncentivesPage = lazy(() =>
  import('./pages/incentives/dealer-incentives-page').then((m) => ({
    default: m.DealerIncentivesPage,
  })),
);
const ProgramsPage = lazy(() =>
  import('./pages/incentives/programs-page').then((m) => ({ default: m.ProgramsPage })),
);
const ProgramEditorPage = lazy(() =>
  import('./pages/incentives/program-editor-page').then((m) => ({
    default: m.ProgramEditorPage,
  })),
);
const ProgramPage = lazy(() =>
  import('./pages/incentives/program-page').then((m) => ({ default: m.ProgramPage })),
);
const StatementPage = lazy(() =>
  import('./pages/incentives/statement-page').then((m) => ({ default: m.StatementPage })),
);
const ClaimsPage = lazy(() =>
  import('./pages/incentives/claims-page').then((m) => ({ default: m.ClaimsPage })),
);
const DisputesPage = lazy(() =>
  import('./pages/incentives/disputes-page').then((m) => ({ default: m.DisputesPage })),
);
const RiskBoardPage = lazy(() =>
  import('./pages/insights/risk-board-page').then((m) => ({ default: m.RiskBoardPage })),
);
const PerformancePage = lazy(() =>
  import('./pages/insights/performance-page').then((m) => ({ default: m.PerformancePage })),
);
const IntegrityPage = lazy(() =>
  import('./pages/insights/integrity-page').then((m) => ({ default: m.IntegrityPage })),
);
const PayoutsPage = lazy(() =>
  import('./pages/incentives/payouts-page').then((m) => ({ default: m.PayoutsPage })),
);

const ForecastsPage = lazy(() =>
  import('./pages/forecasts/forecasts-page').then((m) => ({ default: m.ForecastsPage })),
);
const ForecastCyclePage = lazy(() =>
  import('./pages/forecasts/forecast-cycle-page').then((m) => ({ default: m.ForecastCyclePage })),
);
const ForecastGridPage = lazy(() =>
  import('./pages/forecasts/forecast-grid-page').then((m) => ({ default: m.ForecastGridPage })),
);
const ForecastReviewPage = lazy(() =>
  import('./pages/forecasts/forecast-review-page').then((m) => ({
    default: m.ForecastReviewPage,
  })),
);
const ForecastAccuracyPage = lazy(() =>
  import('./pages/forecasts/forecast-accuracy-page').then((m) => ({
    default: m.ForecastAccuracyPage,
  })),
);

function FullPageLoader() {
  return (
    <Center h="100vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** Signed-out visitors go to the login page, which sends them back here afterwards. */
function RequireSession({ children }: { children: ReactNode }) {
  const { me, isLoading } = useSession();
  const location = useLocation();
  if (isLoading) return <FullPageLoader />;
  if (!me) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return children;
}

function RequirePermission({
  permission,
  children,
}: {
  permission: Permission;
  children: ReactNode;
}) {
  const { me } = useSession();
  return can(me, permission) ? children : <NoAccessPage />;
}

function Home() {
  const { me } = useSession();
  return me ? <Navigate to={homePath(me)} replace /> : null;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSession>
            <AppLayout />
          </RequireSession>
        }
      >
        <Route index element={<Home />} />
        <Route
          path="sustainability"
          element={
            <RequirePermission permission="sustainability:read">
              <SustainabilityPage />
            </RequirePermission>
          }
        />
        <Route
          path="sustainability/vehicle-data"
          element={
            <RequirePermission permission="sustainability:read">
              <VehicleDataPage />
            </RequirePermission>
          }
        />
        <Route
          path="sustainability/regulations"
          element={
            <RequirePermission permission="sustainability:read">
              <RegulationsPage />
            </RequirePermission>
          }
        />
        <Route
          path="connected"
          element={
            <RequirePermission permission="connected:read">
              <ConnectedPage />
            </RequirePermission>
          }
        />
        <Route
          path="overview"
          element={
            <RequirePermission permission="transactions:read">
              <NetworkOverviewPage />
            </RequirePermission>
          }
        />
        <Route
          path="dealers"
          element={
            <RequirePermission permission="network:read">
              <DealersPage />
            </RequirePermission>
          }
        />
        <Route
          path="dealers/:code"
          element={
            <RequirePermission permission="network:read">
              <DealerPage />
            </RequirePermission>
          }
        />
        <Route
          path="catalog/model-lines"
          element={
            <RequirePermission permission="catalog:read">
              <ModelLinesPage />
            </RequirePermission>
          }
        />
        <Route
          path="catalog/skus"
          element={
            <RequirePermission permission="catalog:read">
              <SkusPage />
            </RequirePermission>
          }
        />
        <Route
          path="transactions"
          element={
            <RequirePermission permission="transactions:read">
              <TransactionsPage />
            </RequirePermission>
          }
        />
        <Route
          path="admin/users"
          element={
            <RequirePermission permission="users:manage">
              <UsersPage />
            </RequirePermission>
          }
        />
        <Route
          path="admin/api-keys"
          element={
            <RequirePermission permission="apikeys:manage">
              <ApiKeysPage />
            </RequirePermission>
          }
        />
        <Route
          path="admin/audit-log"
          element={
            <RequirePermission permission="users:manage">
              <AuditLogPage />
            </RequirePermission>
          }
        />
        <Route
          path="admin/webhooks"
          element={
            <RequirePermission permission="webhooks:manage">
              <WebhooksPage />
            </RequirePermission>
          }
        />
        <Route
          path="payments/bank-details"
          element={
            <RequirePermission permission="payouts:manage">
              <BankDetailsPage />
            </RequirePermission>
          }
        />
        <Route
          path="admin/settings"
          element={
            <RequirePermission permission="settings:write">
              <SettingsPage />
            </RequirePermission>
          }
        />
        <Route
          path="agreements"
          element={
            <RequirePermission permission="agreements:read">
              <AgreementsPage />
            </RequirePermission>
          }
        />
        <Route
          path="agreements/new"
          element={
            <RequirePermission permission="agreements:write">
              <AgreementEditorPage />
            </RequirePermission>
          }
        />
        <Route
          path="agreements/:id"
          element={
            <RequirePermission permission="agreements:read">
              <AgreementPage />
            </RequirePermission>
          }
        />
        <Route
          path="agreements/:id/edit"
          element={
            <RequirePermission permission="agreements:write">
              <AgreementEditorPage />
            </RequirePermission>
          }
        />
        <Route
          path="incentives"
          element={
            <RequirePermission permission="programs:read">
              <DealerIncentivesPage />
            </RequirePermission>
          }
        />
        <Route
          path="incentives/claims"
          element={
            <RequirePermission permission="programs:read">
              <ClaimsPage />
            </RequirePermission>
          }
        />
        <Route
          path="incentives/disputes"
          element={
            <RequirePermission permission="statements:read">
              <DisputesPage />
            </RequirePermission>
          }
        />
        <Route
          path="incentives/disputes/:id"
          element={
            <RequirePermission permission="statements:read">
              <DisputesPage />
            </RequirePermission>
          }
        />
        <Route
          path="incentives/payouts"
          element={
            <RequirePermission permission="payouts:manage">
              <PayoutsPage />
            </RequirePermission>
          }
        />
        <Route
          path="programs"
          element={
            <RequirePermission permission="programs:read">
              <ProgramsPage />
            </RequirePermission>
          }
        />
        <Route
          path="programs/new"
          element={
            <RequirePermission permission="programs:write">
              <ProgramEditorPage />
            </RequirePermission>
          }
        />
        <Route
          path="programs/:code"
          element={
            <RequirePermission permission="programs:read">
              <ProgramPage />
            </RequirePermission>
          }
        />
        <Route
          path="programs/:code/edit"
          element={
            <RequirePermission permission="programs:write">
              <ProgramEditorPage />
            </RequirePermission>
          }
        />
        <Route
          path="programs/:code/statements/:dealerCode"
          element={
            <RequirePermission permission="statements:read">
              <StatementPage />
            </RequirePermission>
          }
        />
        <Route path="forecasts" element={<Navigate to="/forecasts/cycles" replace />} />
        <Route
          path="forecasts/cycles"
          element={
            <RequirePermission permission="forecasts:read">
              <ForecastsPage />
            </RequirePermission>
          }
        />
        <Route
          path="forecasts/cycles/:id"
          element={
            <RequirePermission permission="forecasts:read">
              <ForecastCyclePage />
            </RequirePermission>
          }
        />
        <Route
          path="forecasts/cycles/:id/dealers/:code"
          element={
            <RequirePermission permission="forecasts:read">
              <ForecastGridPage />
            </RequirePermission>
          }
        />
        <Route
          path="forecasts/review"
          element={
            <RequirePermission permission="forecasts:review">
              <ForecastReviewPage />
            </RequirePermission>
          }
        />
        <Route
          path="forecasts/accuracy"
          element={
            <RequirePermission permission="forecasts:read">
              <ForecastAccuracyPage />
            </RequirePermission>
          }
        />
        <Route
          path="availability"
          element={
            <RequirePermission permission="availability:read">
              <AvailabilityHomePage />
            </RequirePermission>
          }
        />
        <Route
          path="insights/risks"
          element={
            <RequirePermission permission="agreements:read">
              <RiskBoardPage />
            </RequirePermission>
          }
        />
        <Route
          path="availability/dealers/:code"
          element={
            <RequirePermission permission="availability:read">
              <DealerAvailabilityPage />
            </RequirePermission>
          }
        />
        <Route
          path="allocation"
          element={
            <RequirePermission permission="allocation:manage">
              <AllocationPage />
            </RequirePermission>
          }
        />
        <Route
          path="insights/performance"
          element={
            <RequirePermission permission="agreements:read">
              <PerformancePage />
            </RequirePermission>
          }
        />
        <Route
          path="insights/integrity"
          element={
            <RequirePermission permission="claims:review">
              <IntegrityPage />
            </RequirePermission>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
