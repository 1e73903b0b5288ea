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
const UsersPage = lazy(() =>
  import('./pages/admin/users-page').then((m) => ({ default: m.UsersPage })),
);
const ApiKeysPage = lazy(() =>
  import('./pages/admin/api-keys-page').then((m) => ({ default: m.ApiKeysPage })),
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
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
